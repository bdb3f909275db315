package org.repro4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class GemmTest {

    /** A rows x columns float matrix of small integers (exact products and sums in float), in the given order. */
    private static INDArray integers(long rows, long columns, char order, long seed) {
        Random random = new Random(seed);
        INDArray x = Nd4j.create(DataType.FLOAT, new long[] {rows, columns}, order);
        for (long i = 0; i < rows; i++) {
            for (long j = 0; j < columns; j++) {
                x.putScalar(i, j, random.nextInt(7) - 3);
            }
        }
        return x;
    }

    /** alpha op(a) op(b) + beta c by the definition, in double. */
    private static double[] expected(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double alpha, double beta) {
        INDArray opA = ta ? a.transpose() : a, opB = tb ? b.transpose() : b;
        long m = opA.size(0), k = opA.size(1), n = opB.size(1);
        double[] out = new double[(int) (m * n)];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += opA.getDouble(i, p) * opB.getDouble(p, j);
                }
                out[(int) (i * n + j)] = alpha * sum + beta * c.getDouble(i, j);
            }
        }
        return out;
    }

    private static double[] rowMajor(INDArray c) {
        return c.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    }

    @Test
    void everyTranspositionAndOrderGivesTheProductExactly() {
        long m = 5, k = 7, n = 3;
        int cases = 0;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (char oa : new char[] {'c', 'f'}) {
                    for (char ob : new char[] {'c', 'f'}) {
                        for (char oc : new char[] {'c', 'f'}) {
                            INDArray a = ta ? integers(k, m, oa, 1) : integers(m, k, oa, 1);
                            INDArray b = tb ? integers(n, k, ob, 2) : integers(k, n, ob, 2);
                            INDArray c = integers(m, n, oc, 3);
                            double[] want = expected(a, b, c, ta, tb, 2, -1);
                            assertTrue(Gemm.direct(a, b, c, ta, tb), "oneDNN takes " + ta + tb + oa + ob + oc);
                            Gemm.gemm(a, b, c, ta, tb, 2, -1);
                            assertArrayEquals(want, rowMajor(c), 0.0, "transposes " + ta + "," + tb + ", orders " + oa + ob + oc);
                            cases++;
                        }
                    }
                }
            }
        }
        assertEquals(32, cases);
    }

    @Test
    void viewsWithOffsetsAndLeadingDimensionsAreRead() {
        INDArray bigA = integers(9, 12, 'c', 4), bigB = integers(10, 8, 'f', 5), bigC = integers(6, 9, 'c', 6);
        INDArray a = bigA.get(NDArrayIndex.interval(2, 7), NDArrayIndex.interval(3, 10)); // 5x7, row stride 12, offset 27
        INDArray b = bigB.get(NDArrayIndex.interval(1, 8), NDArrayIndex.interval(4, 7)); // 7x3, column stride 10
        INDArray c = bigC.get(NDArrayIndex.interval(1, 6), NDArrayIndex.interval(5, 8)); // 5x3, row stride 9
        double[] want = expected(a, b, c, false, false, 1, 0.5);
        INDArray untouched = bigC.dup();
        assertTrue(Gemm.direct(a, b, c, false, false));
        Gemm.gemm(a, b, c, false, false, 1, 0.5);
        assertArrayEquals(want, rowMajor(c), 0.0);
        // nothing outside the view of c is written
        untouched.get(NDArrayIndex.interval(1, 6), NDArrayIndex.interval(5, 8)).assign(c);
        assertArrayEquals(rowMajor(untouched), rowMajor(bigC), 0.0);
    }

    @Test
    void betaZeroDoesNotReadTheOldContents() {
        INDArray a = integers(4, 6, 'c', 7), b = integers(6, 5, 'f', 8);
        for (char order : new char[] {'c', 'f'}) {
            INDArray c = Nd4j.valueArrayOf(new long[] {4, 5}, Float.NaN, DataType.FLOAT).dup(order);
            Gemm.gemm(a, b, c, false, false, 1, 0);
            assertArrayEquals(expected(a, b, Nd4j.zeros(DataType.FLOAT, 4, 5), false, false, 1, 0), rowMajor(c), 0.0);
        }
    }

    @Test
    void vectorsAndOneByOneMatricesAreMatrices() {
        INDArray row = integers(1, 6, 'c', 9), column = integers(6, 1, 'f', 10);
        INDArray dot = Nd4j.create(DataType.FLOAT, 1, 1), outer = Nd4j.create(DataType.FLOAT, 6, 6);
        assertTrue(Gemm.direct(row, column, dot, false, false));
        Gemm.gemm(row, column, dot, false, false, 1, 0);
        assertArrayEquals(expected(row, column, dot, false, false, 1, 0), rowMajor(dot), 0.0);
        Gemm.gemm(column, row, outer, false, false, 1, 0);
        assertArrayEquals(expected(column, row, outer, false, false, 1, 0), rowMajor(outer), 0.0);
    }

    @Test
    void otherTypesAndLayoutsGoToNd4j() {
        INDArray a = integers(4, 6, 'c', 11), b = integers(6, 5, 'c', 12);
        INDArray doubles = Nd4j.create(DataType.DOUBLE, 4, 5);
        assertFalse(Gemm.direct(a.castTo(DataType.DOUBLE), b.castTo(DataType.DOUBLE), doubles, false, false), "double");
        Gemm.gemm(a.castTo(DataType.DOUBLE), b.castTo(DataType.DOUBLE), doubles, false, false, 1, 0);
        assertArrayEquals(expected(a, b, doubles, false, false, 1, 0), rowMajor(doubles), 0.0);
        // every other column of a 4x12 matrix: no unit stride in either dimension
        INDArray strided = integers(4, 12, 'c', 13).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 12));
        INDArray c = Nd4j.create(DataType.FLOAT, 4, 5);
        assertFalse(Gemm.direct(strided, b, c, false, false), "strided");
        Gemm.gemm(strided, b, c, false, false, 1, 0);
        assertArrayEquals(expected(strided, b, c, false, false, 1, 0), rowMajor(c), 0.0);
    }

    @Test
    void mismatchedShapesAreRefusedByNd4j() {
        INDArray a = integers(4, 6, 'c', 14), b = integers(5, 5, 'c', 15), c = Nd4j.create(DataType.FLOAT, 4, 5);
        assertFalse(Gemm.direct(a, b, c, false, false));
        var e = assertThrows(RuntimeException.class, () -> Gemm.gemm(a, b, c, false, false, 1, 0));
        assertTrue(e.getMessage().contains("matmul"), e.getMessage());
    }
}
