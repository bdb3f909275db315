package org.repro4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class HostArraysTest {

    /** [[0, 1, 2], [3, 4, 5]]: C order is 0..5. */
    private static INDArray matrix(DataType type, char order) {
        return Nd4j.create(new double[] {0, 1, 2, 3, 4, 5}, new long[] {2, 3}, 'c').castTo(type).dup(order);
    }

    @Test
    void readsEveryLayoutInCOrder() {
        double[] expected = {0, 1, 2, 3, 4, 5};
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.INT}) {
            for (char order : new char[] {'c', 'f'}) {
                assertArrayEquals(expected, HostArrays.toDoubles(matrix(type, order)), type + " " + order);
                assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, HostArrays.toFloats(matrix(type, order)), type + " " + order);
            }
        }
        // a strided view (every other column) and a row of a C-order matrix (a view with an offset)
        INDArray wide = Nd4j.create(new double[] {0, 1, 2, 3, 4, 5, 6, 7}, new long[] {2, 4}, 'c');
        assertArrayEquals(new double[] {0, 2, 4, 6}, HostArrays.toDoubles(wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 4))));
        assertArrayEquals(new double[] {4, 5, 6, 7}, HostArrays.toDoubles(wide.getRow(1)));
        // an F-order rank-4 array
        INDArray four = Nd4j.arange(24).castTo(DataType.DOUBLE).reshape('c', 2, 3, 2, 2);
        assertArrayEquals(four.data().asDouble(), HostArrays.toDoubles(four.dup('f')));
        // F-order matrices over several transposition tiles, with part tiles at both edges
        for (long[] shape : new long[][] {{70, 45}, {33, 97}, {64, 64}}) {
            INDArray c = Nd4j.arange(shape[0] * shape[1]).castTo(DataType.DOUBLE).reshape('c', shape);
            assertArrayEquals(c.data().asDouble(), HostArrays.toDoubles(c.dup('f')), java.util.Arrays.toString(shape));
        }
    }

    @Test
    void unwrittenAndZeroArraysAreCOrderAndKeepTheirMemoryWhileAViewLives() throws InterruptedException {
        for (boolean zeros : new boolean[] {false, true}) {
            for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
                String what = (zeros ? "zeros " : "unwritten ") + type;
                INDArray a = zeros ? HostArrays.zeros(type, 3, 4) : HostArrays.unwritten(type, 3, 4);
                assertEquals(type, a.dataType());
                assertArrayEquals(new long[] {3, 4}, a.shape());
                assertEquals('c', a.ordering());
                assertTrue(HostArrays.inCOrder(a));
                if (zeros) {
                    assertEquals(0, a.amaxNumber().doubleValue(), what);
                }
                HostArrays.write(new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, a);
                INDArray row = a.getRow(2);
                a = null;
                for (int i = 0; i < 3; i++) {
                    System.gc();
                    Thread.sleep(20);
                    Nd4j.create(DataType.FLOAT, 1 << 16);   // JavaCPP frees collected pointers as it allocates
                }
                assertArrayEquals(new double[] {8, 9, 10, 11}, row.toDoubleVector(), 0, what);
                assertEquals(42.0, row.add(1).sumNumber().doubleValue(), 0, "ND4J's ops read it");
            }
        }
        assertEquals(DataType.INT, HostArrays.unwritten(DataType.INT, 2).dataType(), "other types: ND4J's own array");
        assertEquals(0, HostArrays.unwritten(DataType.FLOAT, 0, 3).length());
        assertEquals(0, HostArrays.zeros(DataType.INT, 2).sumNumber().intValue());
    }

    @Test
    void ownMemoryIsNotCountedAgainstJavaCppsLimitAsNd4jsIsNot() {
        long before = Pointer.totalBytes();
        INDArray a = HostArrays.unwritten(DataType.FLOAT, 1 << 20), z = HostArrays.zeros(DataType.DOUBLE, 1 << 20);
        long counted = Pointer.totalBytes() - before;   // the arrays' shape information, which ND4J keeps through JavaCPP
        assertTrue(counted < 1 << 10, "12 MB made, " + counted + " bytes counted");
        HostArrays.free(a);
        HostArrays.free(z);
    }

    @Test
    void freeGivesTheMemoryBackNow() {
        for (INDArray a : new INDArray[] {HostArrays.unwritten(DataType.DOUBLE, 1000), HostArrays.zeros(DataType.FLOAT, 10, 10)}) {
            Pointer memory = a.data().pointer();
            assertFalse(memory.isNull());
            HostArrays.free(a);
            assertTrue(memory.isNull(), "deallocated");
            assertTrue(a.wasClosed());
        }
        INDArray nd4j = Nd4j.create(DataType.FLOAT, 4);
        HostArrays.free(nd4j);
        assertTrue(nd4j.wasClosed(), "ND4J's own: closed");
    }

    @Test
    void castToGivesNd4jsCastToTheBit() {
        double[] special = {0, -0.0, 1, -1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE,
                1e-40, 3.4028235677973366e38, 1e300, -1e300, 0.1, 1 + 0x1p-24, 1 + 0x1p-23 + 0x1p-24, Math.PI};
        INDArray doubles = Nd4j.createFromArray(special).reshape(4, 4);
        assertArrayEquals(Fixtures.bits(doubles.castTo(DataType.FLOAT)), Fixtures.bits(HostArrays.castTo(doubles, DataType.FLOAT)),
                "double to float rounds to the nearest, ties to even, overflows to infinity");
        INDArray floats = doubles.castTo(DataType.FLOAT);
        INDArray widened = HostArrays.castTo(floats, DataType.DOUBLE);
        assertEquals(DataType.DOUBLE, widened.dataType());
        assertArrayEquals(new long[] {4, 4}, widened.shape());
        assertArrayEquals(Fixtures.bits(floats.castTo(DataType.DOUBLE)), Fixtures.bits(widened));
        // split across two threads, and an F-order matrix (ND4J's castTo)
        INDArray big = Nd4j.randn(DataType.DOUBLE, 3, 70_000).muli(1e30);
        HostLoops.using(2, () -> assertEquals(2, HostLoops.ranges((int) big.length(), HostLoops.grain(1))));
        HostLoops.using(2, () -> assertArrayEquals(Fixtures.bits(big.castTo(DataType.FLOAT)), Fixtures.bits(HostArrays.castTo(big, DataType.FLOAT))));
        INDArray f = floats.dup('f');
        assertArrayEquals(Fixtures.bits(f.castTo(DataType.DOUBLE)), Fixtures.bits(HostArrays.castTo(f, DataType.DOUBLE)));
        assertEquals(DataType.INT, HostArrays.castTo(floats, DataType.INT).dataType(), "other types: ND4J's castTo");
    }

    @Test
    void writesInCOrderRoundingToFloat() {
        INDArray target = Nd4j.createUninitialized(DataType.FLOAT, 2, 3);
        HostArrays.write(new double[] {0.1, 1, 2, 3, 4, 5}, target);
        assertEquals(0.1f, target.getFloat(0, 0));
        assertEquals(5f, target.getFloat(1, 2));
        INDArray doubles = Nd4j.createUninitialized(DataType.DOUBLE, 2, 3);
        HostArrays.write(new double[] {0.1, 1, 2, 3, 4, 5}, doubles);
        assertEquals(0.1, doubles.getDouble(0, 0));
    }

    /** A new array from doubles: as ND4J's create and castTo make it, to the bit, for float, double and half. */
    @Test
    void arrayHoldsTheValuesAsCastToRoundsThem() {
        Nd4j.getRandom().setSeed(2);
        double[] values = Nd4j.randn(DataType.DOUBLE, 1, 35).muli(1e3).toDoubleVector();
        values[0] = -0.0;
        values[1] = Double.MAX_VALUE;
        values[2] = 1e-320;
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.HALF}) {
            INDArray expected = Nd4j.create(values, new long[] {5, 7}, 'c').castTo(type);
            INDArray actual = HostArrays.array(values, type, 5, 7);
            assertEquals(expected.shapeInfoToString(), actual.shapeInfoToString(), type.toString());
            assertArrayEquals(expected.castTo(DataType.DOUBLE).data().asDouble(), actual.castTo(DataType.DOUBLE).data().asDouble(), 0.0, type.toString());
            assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(actual.castTo(DataType.DOUBLE).getDouble(0)), type.toString());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> HostArrays.array(values, DataType.FLOAT, 6, 6));
        assertEquals("shape: expected 35 elements, got [6, 6]", e.getMessage());
    }

    @Test
    void refusesATargetItCannotFillInCOrder() {
        var e = assertThrows(IllegalArgumentException.class, () -> HostArrays.write(new double[6], matrix(DataType.FLOAT, 'f')));
        assertTrue(e.getMessage().startsWith("target: expected a C-order array"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> HostArrays.write(new double[5], matrix(DataType.FLOAT, 'c')));
        assertEquals("target: expected 5 elements, got 6", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> HostArrays.floats(matrix(DataType.DOUBLE, 'c')));
        assertTrue(e.getMessage().startsWith("array: expected a FLOAT array in one run of host memory, got DOUBLE"), e.getMessage());
    }

    @Test
    void aBufferSeesTheArraysOwnMemory() {
        INDArray a = matrix(DataType.FLOAT, 'c');
        assertTrue(HostArrays.contiguous(a));
        assertFalse(HostArrays.contiguous(a.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2))));
        HostArrays.floats(a.getRow(1)).put(0, 9f);
        assertEquals(9f, a.getFloat(1, 0));
    }

    @Test
    void copyMovesAMatrixBetweenOrdersExactly() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (long[] shape : new long[][] {{130, 67}, {1, 5}, {64, 64}, {3, 200}}) {
                INDArray a = Nd4j.rand(type, shape);
                for (char from : new char[] {'c', 'f'}) {
                    for (char to : new char[] {'c', 'f'}) {
                        INDArray source = a.dup(from);
                        INDArray target = Nd4j.create(type, shape, to);
                        HostArrays.copy(source, target);
                        assertEquals(to, target.ordering());
                        assertTrue(a.equals(target), type + " " + from + " -> " + to + " " + java.util.Arrays.toString(shape));
                    }
                }
            }
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> HostArrays.copy(Nd4j.create(DataType.FLOAT, 2, 3), Nd4j.create(DataType.FLOAT, 3, 2)));
        assertEquals("to: expected a FLOAT matrix of shape [2, 3], got a FLOAT array of shape [3, 2]", e.getMessage());
    }
}
