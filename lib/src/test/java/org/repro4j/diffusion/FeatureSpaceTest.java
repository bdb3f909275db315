package org.repro4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.repro4j.HostArrays;
import org.repro4j.data.Dataset;
import org.repro4j.experiment.ResultsStore;

class FeatureSpaceTest {

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    static Path shared;

    /** One feature space for the tests that only read it (training one takes seconds). */
    private static FeatureSpace space;

    @BeforeAll
    static void trainOnce() {
        space = FeatureSpace.of(new ResultsStore(shared), halves("halves", 40, 1), halves("halves test", 20, 2), QUIET);
    }

    /** 28x28 grey images in [0, 1]: class 0 bright on the left half, class 1 on the right, with uniform noise. */
    private static Dataset halves(String name, int n, long seed) {
        var random = new SplittableRandom(seed);
        float[] pixels = new float[n * 784];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            for (int p = 0; p < 784; p++) {
                boolean left = p % 28 < 14;
                pixels[i * 784 + p] = (float) ((left == (labels[i] == 0) ? 0.6 : 0) + 0.4 * random.nextDouble());
            }
        }
        return new Dataset(name, Nd4j.create(pixels, new long[] {n, 784}, 'c'), labels, 1, 28, 28, List.of("left", "right"));
    }

    @Test
    void theClassifierIsTrainedOnceAndLoadedByTheNextCall(@TempDir Path root) {
        var store = new ResultsStore(root);
        Dataset train = halves("halves", 40, 1), test = halves("halves test", 20, 2);
        var first = FeatureSpace.of(store, train, test, QUIET);
        assertFalse(first.run().loaded());
        assertEquals(2 * 1, first.run().iterationsThisTime(), "2 epochs of one batch of 40");
        var second = FeatureSpace.of(store, train, test, QUIET);
        assertTrue(second.run().loaded(), "the second call trains nothing");
        assertEquals(first.features(test.features()), second.features(test.features()));
        assertEquals(first.testAccuracy(), second.testAccuracy());
        assertEquals(root.resolve("feature-classifier").resolve(FeatureSpace.FeatureClassifier.of(train).hash()), second.run().folder());
    }

    /** The features are the last hidden layer: the output layer applied to them gives the network's output. */
    @Test
    void featuresAreTheLastHiddenLayersActivations() {
        Dataset test = halves("halves test", 20, 2);
        INDArray features = space.features(test.features());
        assertEquals(List.of(20L, 128L), List.of(features.shape()[0], features.shape()[1]));
        assertEquals(DataType.DOUBLE, features.dataType());
        assertTrue(features.minNumber().doubleValue() >= 0, "ReLU activations");
        var net = (MultiLayerNetwork) space.run().net();
        INDArray w = net.getLayer(net.getnLayers() - 1).getParam("W").castTo(DataType.DOUBLE);
        INDArray b = net.getLayer(net.getnLayers() - 1).getParam("b").castTo(DataType.DOUBLE);
        INDArray fromFeatures = Transforms.softmax(features.mmul(w).addiRowVector(b));
        INDArray output = net.output(test.features(), false).castTo(DataType.DOUBLE);
        assertTrue(fromFeatures.equalsWithEps(output, 1e-5), "softmax(features W + b) is the output");
        assertEquals(0, space.frechetDistance(test.features(), test.features()), 1e-9);
    }

    /** Past one forward chunk of 500 rows, a row's features do not depend on the rows around it. */
    @Test
    void featuresOfManyImagesAreThoseOfEachImage() {
        INDArray images = halves("many", 1_100, 3).features();
        INDArray all = space.features(images);
        assertEquals(1_100, all.rows());
        for (int row : new int[] {0, 499, 500, 1_099}) {
            INDArray alone = space.features(images.getRow(row, true));
            // to float rounding: a batch of one runs other BLAS and oneDNN kernels than a batch of 500 (on a Zen 5
            // with OpenBLAS's Haswell kernels, 1.1e-6 apart at features of 2.9); rows mixed up would be far apart
            INDArray inBatch = all.getRow(row, true);
            double tolerance = 1e-5 * Math.max(1, inBatch.amaxNumber().doubleValue());
            assertArrayEquals(HostArrays.toDoubles(inBatch), HostArrays.toDoubles(alone), tolerance, "row " + row);
        }
        assertEquals(images.getRow(7), halves("many", 1_100, 3).features().getRow(7), "the caller's images are left intact");
    }

    /**
     * Samples of a model trained on pooled images (e.g. Fashion-MNIST at 14x14, {@link Dataset#pooled}) are scored at
     * their own resolution: a classifier trained on the pooled set is a separate run of the store (its dataset name
     * says pooled) whose features take the pooled rows and refuse full-size ones.
     */
    @Test
    void aPooledTrainingSetGivesAFeatureSpaceAtItsResolution(@TempDir Path root) {
        var store = new ResultsStore(root);
        Dataset train = halves("halves", 40, 1).pooled(2), test = halves("halves test", 20, 2).pooled(2);
        var pooled = FeatureSpace.of(store, train, test, QUIET);
        assertEquals("halves (pooled 2x2)", pooled.hparams().dataset());
        assertEquals(root.resolve("feature-classifier").resolve(FeatureSpace.FeatureClassifier.of(train).hash()), pooled.run().folder());
        assertFalse(pooled.run().folder().equals(space.run().folder()), "not the 28x28 classifier's folder");
        INDArray features = pooled.features(test.features());
        assertEquals(List.of(20L, 128L), List.of(features.shape()[0], features.shape()[1]));
        assertEquals(0, pooled.frechetDistance(test.features(), test.features()), 1e-9);
        var e = assertThrows(IllegalArgumentException.class, () -> pooled.features(halves("halves test", 20, 2).features()));
        assertEquals("images: expected shape [n, 196] with n >= 1 (pixels in [0, 1]), got [20, 784]", e.getMessage());
    }

    @Test
    void theClassifiersHyperparametersAreFixedAndNamedByTheirData() {
        Dataset train = halves("halves", 40, 1);
        assertEquals("{\"batchSize\":128,\"blocks\":[8],\"dataset\":\"halves\",\"dense\":[128],\"epochs\":2,\"lr\":0.001,"
                + "\"seed\":1,\"trainSize\":40}", FeatureSpace.FeatureClassifier.of(train).json());
        assertEquals("{\"dataset\":\"halves\",\"trainSize\":40}", FeatureSpace.FeatureClassifier.of(train).canonical());
    }

    @Test
    void imagesOfTheWrongSizeAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> space.features(Nd4j.zeros(DataType.FLOAT, 3, 28, 28)));
        assertEquals("images: expected shape [n, 784] with n >= 1 (pixels in [0, 1]), got [3, 28, 28]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> space.frechetDistance(Nd4j.zeros(DataType.FLOAT, 3, 784),
                Nd4j.zeros(DataType.FLOAT, 3, 100)));
        assertEquals("images: expected shape [n, 784] with n >= 1 (pixels in [0, 1]), got [3, 100]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new FeatureSpace.FeatureClassifier("x", 1, List.of(16), List.of(), 1, 1, 1e-3, 1));
        assertEquals("dense: expected at least one hidden dense layer (the features), got none", e.getMessage());
    }
}
