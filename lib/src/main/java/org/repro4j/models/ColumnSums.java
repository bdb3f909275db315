package org.repro4j.models;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.HostArrays;

/**
 * A dense layer's bias gradient, dL/db = the sum of delta's rows (Rumelhart, Hinton and Williams 1986), to the bit as
 * libnd4j sums a row-major matrix's columns: each column on its own, from the first row to the last, in the array's
 * type and starting from zero ({@code reduceExec21}; a test compares the two on special and random values).
 *
 * <p>Why: libnd4j walks each column down its rows, a stride of a whole row per element, one dependent add at a time:
 * 5% of the 2-D denoiser's step (three 512 x 256 deltas). Here the same additions go row by row into one accumulator a
 * column, which the JIT vectorises; each column still adds its rows in order, so the result is the same.
 */
final class ColumnSums {

    private ColumnSums() {
    }

    /**
     * Writes the sum of {@code delta}'s rows into {@code out} (length {@code delta.columns()}): in Java for a float or
     * double matrix in C order and an {@code out} of its type in one run of memory, else by ND4J's {@code sum}.
     */
    static void of(INDArray delta, INDArray out) {
        DataType type = delta.dataType();
        boolean loops = delta.rank() == 2 && out.length() == delta.columns() && out.dataType() == type
                && (type == DataType.FLOAT || type == DataType.DOUBLE) && HostArrays.inCOrder(delta)
                && HostArrays.contiguous(out);
        if (!loops) {
            delta.sum(out, 0);
            return;
        }
        int rows = (int) delta.rows(), columns = (int) delta.columns();
        if (type == DataType.FLOAT) {
            FloatBuffer d = HostArrays.floats(delta);
            float[] row = new float[columns], sums = new float[columns];
            for (int i = 0; i < rows; i++) {
                d.get(i * columns, row);
                for (int j = 0; j < columns; j++) {
                    sums[j] += row[j];
                }
            }
            HostArrays.floats(out).put(0, sums);
        } else {
            DoubleBuffer d = HostArrays.doubles(delta);
            double[] row = new double[columns], sums = new double[columns];
            for (int i = 0; i < rows; i++) {
                d.get(i * columns, row);
                for (int j = 0; j < columns; j++) {
                    sums[j] += row[j];
                }
            }
            HostArrays.doubles(out).put(0, sums);
        }
    }
}
