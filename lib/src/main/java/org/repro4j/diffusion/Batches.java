package org.repro4j.diffusion;

import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batches made from flat row-major Java arrays, and seeded Gaussian noise, for the exact computations that loop over
 * points (the other direction is {@link org.repro4j.HostArrays#toDoubles}). (ND4J's {@code createFromArray(double[][])}
 * and {@code toDoubleMatrix()} go row by row, one native allocation a row, which makes a 20 000-point batch take
 * milliseconds.)
 */
final class Batches {

    private Batches() {
    }

    /** A double-precision array of {@code shape} filled with standard normal draws from {@code random}, in row-major order. */
    static INDArray gaussian(long[] shape, RandomGenerator random) {
        double[] values = new double[(int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian();
        }
        return Nd4j.create(values, shape, 'c');
    }

    /** A double-precision [values.length / d, d] batch holding {@code values} in row-major order. */
    static INDArray matrix(double[] values, int d) {
        return Nd4j.create(values, new long[] {values.length / d, d}, 'c');
    }
}
