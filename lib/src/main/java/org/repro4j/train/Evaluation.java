package org.repro4j.train;

import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.repro4j.data.Dataset;

/**
 * A classifier's mean cross-entropy loss, accuracy and predicted classes on a dataset.
 *
 * @param loss        mean of -log p(true class), in nats
 * @param accuracy    fraction of examples whose arg-max class is the true one, in [0, 1]
 * @param predictions the arg-max class of every example, in dataset order
 */
public record Evaluation(double loss, double accuracy, int[] predictions) {

    /** Rows evaluated in one forward pass; bounds the memory of the activations. */
    private static final int CHUNK = 500;

    /** Smallest probability taken into the log, so a confident mistake costs 27.6 nats, not infinity. */
    private static final double MIN_PROBABILITY = 1e-12;

    /** Evaluates {@code net} (in inference mode) on every example of {@code data}. */
    public static Evaluation of(Model net, Dataset data) {
        NativeMemory.watch();
        int n = data.size();
        INDArray features = data.features();
        INDArray oneHot = data.oneHotLabels();
        int[] labels = data.labels();
        int[] predictions = new int[n];
        double lossSum = 0;
        int correct = 0;
        for (int from = 0; from < n; from += CHUNK) {
            int to = Math.min(n, from + CHUNK);
            INDArrayIndex rows = NDArrayIndex.interval(from, to);
            INDArray probabilities = Nets.output(net, features.get(rows, NDArrayIndex.all()));
            INDArray trueClass = probabilities.mul(oneHot.get(rows, NDArrayIndex.all())).sum(1);
            lossSum -= Transforms.log(Transforms.max(trueClass, MIN_PROBABILITY), false).sumNumber().doubleValue();
            int[] argMax = probabilities.argMax(1).toIntVector();
            for (int i = 0; i < argMax.length; i++) {
                predictions[from + i] = argMax[i];
                if (argMax[i] == labels[from + i]) {
                    correct++;
                }
            }
        }
        Nets.forgetLastPass(net);
        return new Evaluation(lossSum / n, (double) correct / n, predictions);
    }
}
