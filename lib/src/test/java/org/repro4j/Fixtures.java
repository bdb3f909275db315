package org.repro4j;

import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.repro4j.data.Dataset;

/** Tiny datasets, and a look into networks, shared by the tests. */
public final class Fixtures {

    private Fixtures() {
    }

    /** Two well separated Gaussian blobs in 4 dimensions: class 0 around -1, class 1 around +1. */
    public static Dataset blobs(int n, long seed) {
        var random = new SplittableRandom(seed);
        float[] x = new float[n * 4];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (float) ((y[i] == 0 ? -1 : 1) + 0.5 * random.nextGaussian());
            }
        }
        return new Dataset("blobs", Nd4j.create(x, new long[] {n, 4}, 'c'), y, 1, 2, 2, List.of("minus", "plus"));
    }

    /**
     * The values of {@code a} in C order as the bits of doubles (floats widened exactly): equal arrays of bits are the
     * same values to the bit, -0 and +0 apart, every NaN counting as one NaN.
     */
    public static long[] bits(INDArray a) {
        double[] values = a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        long[] bits = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Double.doubleToLongBits(values[i]);
        }
        return bits;
    }

    /**
     * Normal values whose magnitudes span twelve decades (1e-6 to 1e6), where the order of a sum's additions shows in its
     * last bits; drawn from ND4J's random generator.
     */
    public static INDArray mixedMagnitudes(DataType type, long... shape) {
        INDArray magnitudes = Transforms.exp(Nd4j.rand(type, shape).muli(12).subi(6).muli(Math.log(10)), false);
        return Nd4j.randn(type, shape).muli(magnitudes);
    }

    /** The updater's state (all blocks, one array) of a network or a graph; made now if it has no updater yet. */
    public static INDArray updaterState(Model net) {
        return net instanceof MultiLayerNetwork m ? m.getUpdater().getStateViewArray()
                : ((ComputationGraph) net).getUpdater().getStateViewArray();
    }
}
