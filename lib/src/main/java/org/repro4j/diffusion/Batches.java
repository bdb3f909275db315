package org.repro4j.diffusion;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Row-major copies between [n, d] batches and flat Java arrays, for the exact computations that
 * loop over points. (ND4J's {@code createFromArray(double[][])} and {@code toDoubleMatrix()} go row
 * by row, one native allocation a row, which makes a 20 000-point batch take milliseconds.)
 */
final class Batches {

    private Batches() {
    }

    /** The entries of {@code x} in row-major order, as doubles. */
    static double[] flat(INDArray x) {
        return x.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }

    /** A double-precision [values.length / d, d] batch holding {@code values} in row-major order. */
    static INDArray matrix(double[] values, int d) {
        return Nd4j.create(values, new long[] {values.length / d, d}, 'c');
    }
}
