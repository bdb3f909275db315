package org.repro4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.Fixtures;

class ColumnSumsTest {

    /**
     * ND4J's column sums and {@link ColumnSums#of}'s, as bits; a NaN counts as any NaN (which of two NaNs an add
     * passes on is up to the compiled code, and a NaN bias gradient is a diverged run either way).
     */
    private static void assertSameBits(INDArray delta) {
        INDArray out = Nd4j.createUninitialized(delta.dataType(), 1, delta.columns());
        ColumnSums.of(delta, out);
        assertArrayEquals(Fixtures.bits(delta.sum(0)), Fixtures.bits(out));
    }

    /**
     * Values of mixed magnitudes, where the order of the additions shows in the last bits: the same bits as libnd4j's
     * sum, for the denoiser's 512 x 256, LeNet's 60 x 300 and a 1-row and a 1-column matrix, in float and double.
     */
    @Test
    void sumsAreLibnd4jsToTheBit() {
        Nd4j.getRandom().setSeed(5);
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int[] shape : new int[][] {{512, 256}, {60, 300}, {1, 7}, {9, 1}, {1000, 3}}) {
                assertSameBits(Fixtures.mixedMagnitudes(type, shape[0], shape[1]));
            }
        }
    }

    /** Signed zeros, infinities, NaN and the extremes, each column a different mix. */
    @Test
    void specialValuesGiveLibnd4jsBits() {
        float[] special = {0f, -0f, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 3e-39f};
        int n = special.length;
        float[] values = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                values[i * n + j] = special[(i * (j + 1)) % n];
            }
        }
        INDArray delta = Nd4j.createFromArray(values).reshape('c', n, n);
        assertSameBits(delta);
        assertSameBits(delta.castTo(DataType.DOUBLE));
    }

    /** An F-order delta and a half-precision one go through ND4J's sum: the same values. */
    @Test
    void otherLayoutsAndTypesTakeNd4jsSum() {
        INDArray delta = Nd4j.linspace(1, 12, 12, DataType.FLOAT).reshape('c', 4, 3);
        INDArray out = Nd4j.create(DataType.FLOAT, 3);
        ColumnSums.of(delta.dup('f'), out);
        assertArrayEquals(new float[] {22, 26, 30}, out.toFloatVector());
        INDArray half = Nd4j.create(DataType.HALF, 3);
        ColumnSums.of(delta.castTo(DataType.HALF), half);
        assertArrayEquals(new float[] {22, 26, 30}, half.castTo(DataType.FLOAT).toFloatVector());
        assertEquals(DataType.HALF, half.dataType());
    }
}
