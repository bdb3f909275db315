package org.repro4j.diffusion;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.repro4j.optim.FastAdam;
import org.repro4j.data.Dataset;
import org.repro4j.data.FashionMnist;
import org.repro4j.experiment.Hparams;
import org.repro4j.experiment.ResultsStore;
import org.repro4j.experiment.Run;
import org.repro4j.experiment.Runs;
import org.repro4j.models.Models;
import org.repro4j.train.Trainer;
import tech.tablesaw.api.Table;

/**
 * The feature space of a small image classifier, for an FID-like score of generated images: the
 * activations of its last hidden layer, compared between two image sets with {@link Distances#frechet}
 * as FID does with Inception-v3's pool features (Heusel et al. 2017, section 3).
 *
 * <p>On Fashion-MNIST this score is called {@value #NAME} ("Fashion-MNIST Fréchet distance"). It is
 * <b>not</b> FID: the features come from a Conv-2-like net trained here (see {@link FeatureClassifier}), not from
 * Inception, so its values compare only with other {@value #NAME} values of the same classifier, never with
 * published FIDs. The classifier is trained once per results store (the data root's, for
 * {@link #fashionMnist()}) under fixed hyperparameters and loaded on every later call.
 */
public final class FeatureSpace {

    /** The name of the Fréchet distance in the feature space of {@link #fashionMnist()}. */
    public static final String NAME = "FMNIST-FD";

    /** Rows passed through the network at once; bounds the memory of the activations. */
    private static final int CHUNK = 500;

    /**
     * The feature classifier's hyperparameters: {@link Models#conv} with {@code blocks} and {@code dense}
     * (the last dense width is the feature dimension), Adam at {@code lr}, {@code epochs} passes in batches of
     * {@code batchSize}. {@link #of(Dataset)} fixes everything but the data.
     *
     * @param dataset   the training set's name
     * @param trainSize its number of images
     */
    public record FeatureClassifier(String dataset, int trainSize, List<Integer> blocks, List<Integer> dense, int epochs,
                             int batchSize, double lr, long seed) implements Hparams {

        public FeatureClassifier {
            blocks = List.copyOf(blocks);
            dense = List.copyOf(dense);
            if (dense.isEmpty()) {
                throw new IllegalArgumentException("dense: expected at least one hidden dense layer (the features), got none");
            }
        }

        /** The fixed classifier for {@code train}: Conv-2 at width 8 ([8] blocks, one dense layer of 128), 2 epochs of batch 128, Adam 1e-3. */
        public static FeatureClassifier of(Dataset train) {
            return new FeatureClassifier(train.name(), train.size(), List.of(8), List.of(128), 2, 128, 1e-3, 1);
        }

        @Override
        public Hparams defaults() {
            return new FeatureClassifier("Fashion-MNIST train", 60_000, List.of(8), List.of(128), 2, 128, 1e-3, 1);
        }
    }

    private final FeatureClassifier hparams;
    private final Run run;
    private final int inputs;

    private FeatureSpace(FeatureClassifier hparams, Run run, int inputs) {
        this.hparams = hparams;
        this.run = run;
        this.inputs = inputs;
    }

    /** The {@value #NAME} feature space: the classifier trained on all of Fashion-MNIST's training set, in the standard store. */
    public static FeatureSpace fashionMnist() {
        return fashionMnist(ResultsStore.standard(), System.out);
    }

    /** The {@value #NAME} feature space kept in {@code store}, training its classifier there if it is missing. */
    public static FeatureSpace fashionMnist(ResultsStore store, PrintStream out) {
        return of(store, FashionMnist.train(), FashionMnist.test(), out);
    }

    /**
     * The feature space of {@link FeatureClassifier#of(Dataset) the fixed classifier} trained on {@code train} and
     * evaluated on {@code test}: loaded from {@code store} when it holds the finished run, else trained and kept there.
     *
     * @param out where training progress (or "loaded finished run") is printed
     */
    public static FeatureSpace of(ResultsStore store, Dataset train, Dataset test, PrintStream out) {
        FeatureClassifier hparams = FeatureClassifier.of(train);
        Run run = Runs.runOrLoad(hparams, store,
                () -> Models.conv(train.channels(), train.height(), train.width(), hparams.blocks(), hparams.dense(),
                        train.numClasses(), new FastAdam(hparams.lr()), hparams.seed()),
                train, Trainer.splits(train, null, test), new Trainer.Options(hparams.epochs(), hparams.batchSize(), hparams.seed()),
                out, List.of());
        return new FeatureSpace(hparams, run, train.channels() * train.height() * train.width());
    }

    /** The classifier's hyperparameters. */
    public FeatureClassifier hparams() {
        return hparams;
    }

    /** The classifier's training run: its folder, network and learning curves; {@link Run#loaded()} tells whether this call trained it. */
    public Run run() {
        return run;
    }

    /** The classifier's accuracy on the test set, at the end of training. */
    public double testAccuracy() {
        Table test = run.metrics().where(run.metrics().stringColumn("split").isEqualTo("test"));
        return test.doubleColumn("accuracy").get(test.rowCount() - 1);
    }

    /** The feature dimension: the width of the classifier's last hidden layer. */
    public int dimension() {
        return hparams.dense().get(hparams.dense().size() - 1);
    }

    /**
     * The features of {@code images} [n, pixels] (rows as in {@link Dataset#features()}, pixels in [0, 1]):
     * the ReLU activations of the classifier's last hidden layer, in inference mode, as a double [n, dimension()].
     */
    public INDArray features(INDArray images) {
        if (images.rank() != 2 || images.rows() < 1 || images.columns() != inputs) {
            throw new IllegalArgumentException("images: expected shape [n, " + inputs + "] with n >= 1 (pixels in [0, 1]), got "
                    + Arrays.toString(images.shape()));
        }
        var net = (MultiLayerNetwork) run.net();
        int penultimate = net.getnLayers() - 2;
        INDArray features = Nd4j.create(DataType.DOUBLE, images.rows(), dimension());
        DataType netType = net.getLayerWiseConfigurations().getDataType();
        for (long from = 0; from < images.rows(); from += CHUNK) {
            long to = Math.min(images.rows(), from + CHUNK);
            INDArray rows = images.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()), input = rows.castTo(netType);
            List<INDArray> activations = net.feedForwardToLayer(penultimate, input, false);
            features.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).assign(activations.get(activations.size() - 1));
            // the layers' outputs (and the cast copy, not the caller's rows) hold native memory: freed now
            // rather than at some later collection, which 70,000 images would outrun by gigabytes
            Set<INDArray> owned = Collections.newSetFromMap(new IdentityHashMap<>());
            owned.addAll(activations.subList(1, activations.size()));
            if (input != rows) {
                owned.add(input);
            }
            owned.forEach(INDArray::close);
        }
        return features;
    }

    /**
     * The Fréchet distance ({@link Distances#frechet}) between the features of {@code samples} and of
     * {@code reference}, both [n, pixels] in [0, 1]: {@value #NAME} for {@link #fashionMnist()}. To score many
     * sample sets against one reference, compute the reference's {@link #features} once and call
     * {@link Distances#frechet} directly.
     */
    public double frechetDistance(INDArray samples, INDArray reference) {
        return Distances.frechet(features(samples), features(reference));
    }
}
