package org.repro4j.diffusion;

import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.HostArrays;

/**
 * Batches made from flat row-major Java arrays, and seeded Gaussian noise, for the exact computations that loop over
 * points (the other direction is {@link org.repro4j.HostArrays#toDoubles}). (ND4J's {@code createFromArray(double[][])}
 * and {@code toDoubleMatrix()} go row by row, one native allocation a row, which makes a 20 000-point batch take
 * milliseconds.)
 */
final class Batches {

    private Batches() {
    }

    /**
     * An array of {@code shape} and {@code type} filled with standard normal draws from {@code random} in row-major
     * order, drawn in double precision (and rounded once for a float array).
     */
    static INDArray gaussian(long[] shape, DataType type, RandomGenerator random) {
        double[] values = new double[(int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian();
        }
        return HostArrays.array(values, type, shape);
    }

    /** A double-precision [values.length / d, d] batch holding {@code values} in row-major order. */
    static INDArray matrix(double[] values, int d) {
        return HostArrays.array(values, DataType.DOUBLE, values.length / d, d);
    }
}
