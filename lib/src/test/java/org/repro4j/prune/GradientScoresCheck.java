package org.repro4j.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * SNIP and GraSP against derivatives taken by finite differences of the loss in float64,
 * perturbing one weight at a time, on the net, masks and batch of a subclass ({@link
 * GradientScoresTest}: an MLP; {@link ConvGradientScoresTest}: a conv net).
 */
abstract class GradientScoresCheck {

    private static final double H = 1e-5;

    private final MultiLayerNetwork net;
    private final Masks masks;
    private final DataSet batch;
    private final MultiLayerNetwork reference;
    private final DataSet batch64;

    GradientScoresCheck(MultiLayerNetwork net, Masks masks, DataSet batch) {
        this.net = net;
        this.masks = masks;
        this.batch = batch;
        this.reference = masked();
        this.batch64 = new DataSet(batch.getFeatures().castTo(DataType.DOUBLE), batch.getLabels().castTo(DataType.DOUBLE));
    }

    /** A float64 copy of the net with the masks applied. */
    private MultiLayerNetwork masked() {
        MultiLayerNetwork copy = net.clone().convertDataType(DataType.DOUBLE);
        masks.applyTo(copy);
        return copy;
    }

    /** The mean loss with parameter {@code i} (flat index into params()) moved by {@code di} and {@code j} by {@code dj}. */
    private double loss(int i, double di, int j, double dj) {
        INDArray p = reference.params();
        double pi = p.getDouble(i), pj = p.getDouble(j);
        p.putScalar(i, pi + di);
        p.putScalar(j, p.getDouble(j) + dj);
        double loss = reference.score(batch64, false);
        p.putScalar(i, pi);
        p.putScalar(j, pj);
        return loss;
    }

    /** Flat indices into params() of the prunable weights, in mask order. */
    private int[] weightIndices() {
        int n = (int) masks.size(), k = 0, offset = 0;
        int[] indices = new int[n];
        for (var entry : reference.paramTable().entrySet()) {
            int length = (int) entry.getValue().length();
            if (Masks.prunable(entry.getKey())) {
                for (int i = 0; i < length; i++) {
                    indices[k++] = offset + i;
                }
            }
            offset += length;
        }
        return indices;
    }

    /** The masks flattened like {@link #weightIndices}. */
    private double[] flatMask() {
        return flatten(Map.of(), true);
    }

    private double[] flatten(Map<String, INDArray> arrays, boolean mask) {
        double[] flat = new double[(int) masks.size()];
        int k = 0;
        for (String key : masks.keys()) {
            // params() holds each weight tensor in its view's order: 'f' for dense weights, 'c' for convolutions
            char order = reference.getParam(key).ordering();
            double[] values = (mask ? masks.get(key) : arrays.get(key)).castTo(DataType.DOUBLE).dup(order).data().asDouble();
            System.arraycopy(values, 0, flat, k, values.length);
            k += values.length;
        }
        return flat;
    }

    private double[] gradient(int[] idx, double[] mask) {
        double[] g = new double[idx.length];
        for (int a = 0; a < idx.length; a++) {
            g[a] = mask[a] * (loss(idx[a], H, idx[a], 0) - loss(idx[a], -H, idx[a], 0)) / (2 * H);
        }
        return g;
    }

    @Test
    void snipIsTheAbsoluteGradientTimesWeight() {
        int[] idx = weightIndices();
        double[] mask = flatMask(), g = gradient(idx, mask), expected = new double[idx.length];
        for (int a = 0; a < idx.length; a++) {
            expected[a] = Math.abs(g[a] * reference.params().getDouble(idx[a]));
        }
        assertArrayEquals(expected, flatten(Snip.scores(net, masks, batch), false), 1e-8);
        assertEquals(0, expected[0]);
    }

    /** DL4J's gradient of the summed loss, all parameters flat like params(), divided by the batch size. */
    private double[] dl4jGradient() {
        reference.setInput(batch64.getFeatures());
        reference.setLabels(batch64.getLabels());
        reference.computeGradientAndScore();
        return reference.gradient().gradient().div(batch64.numExamples()).data().asDouble();
    }

    @Test
    void graspIsTheWeightTimesHessianGradientProduct() {
        int[] idx = weightIndices();
        double[] mask = flatMask(), g = gradient(idx, mask), hg = new double[idx.length];
        double h = 1e-6;
        INDArray p = reference.params();
        for (int b = 0; b < idx.length; b++) {
            // column b of H (kept weights only) by the central difference of the gradient
            double pb = p.getDouble(idx[b]);
            p.putScalar(idx[b], pb + h);
            double[] plus = dl4jGradient();
            p.putScalar(idx[b], pb - h);
            double[] minus = dl4jGradient();
            p.putScalar(idx[b], pb);
            for (int a = 0; a < idx.length; a++) {
                hg[a] += (plus[idx[a]] - minus[idx[a]]) / (2 * h) * g[b];
            }
        }
        double[] expected = new double[idx.length];
        for (int a = 0; a < idx.length; a++) {
            expected[a] = mask[a] * p.getDouble(idx[a]) * hg[a];
        }
        double[] actual = flatten(Grasp.scores(net, masks, batch), false);
        double scale = java.util.Arrays.stream(expected).map(Math::abs).max().orElseThrow();
        assertArrayEquals(expected, actual, 1e-5 * scale);
        assertEquals(0, actual[0]);
    }
}
