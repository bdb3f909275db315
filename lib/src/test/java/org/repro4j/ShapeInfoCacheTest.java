package org.repro4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ndarray.ShapeInfoProvider;
import org.nd4j.linalg.cpu.nativecpu.DirectShapeInfoProvider;
import org.nd4j.linalg.factory.Nd4j;

class ShapeInfoCacheTest {

    private static final DirectShapeInfoProvider ND4J = new DirectShapeInfoProvider();

    /** The shape information ND4J's own provider makes for the same request, as longs. */
    private static long[] nd4js(long[] shape, long[] stride, long ews, char order, DataType type, boolean empty) {
        return ND4J.createShapeInformation(shape, stride, ews, order, type, empty).getFirst().asLong();
    }

    @Test
    void answersAsNd4jDoesAndSharesRepeatedShapes() {
        var cache = new ShapeInfoCache();
        long[][][] requests = {
                {{60, 300}, {300, 1}}, {{60, 300}, {1, 60}}, {{3}, {1}}, {{}, {}}, {{0, 3}, {3, 1}}, {{2, 3, 4, 5}, {60, 20, 5, 1}}};
        for (long[][] r : requests) {
            for (char order : new char[] {'c', 'f'}) {
                for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.INT64}) {
                    for (boolean empty : new boolean[] {false, true}) {
                        var first = cache.createShapeInformation(r[0].clone(), r[1].clone(), 1, order, type, empty);
                        assertArrayEquals(nd4js(r[0], r[1], 1, order, type, empty), first.getFirst().asLong());
                        assertArrayEquals(first.getFirst().asLong(), first.getSecond());
                        assertSame(first, cache.createShapeInformation(r[0].clone(), r[1].clone(), 1, order, type, empty));
                    }
                }
            }
        }
        assertEquals(requests.length * 2 * 3 * 2, cache.size(), "one entry per distinct request");
    }

    @Test
    void keysAreCopiesOfTheCallersArrays() {
        var cache = new ShapeInfoCache();
        long[] shape = {4, 5}, stride = {5, 1};
        var first = cache.createShapeInformation(shape, stride, 1, 'c', DataType.FLOAT, false);
        shape[0] = 7;
        stride[0] = 5;
        var second = cache.createShapeInformation(shape, stride, 1, 'c', DataType.FLOAT, false);
        assertNotSame(first, second);
        assertEquals(4, first.getSecond()[1]);
        assertEquals(7, second.getSecond()[1]);
        assertNotSame(first, cache.createShapeInformation(new long[] {4, 5}, new long[] {5, 1}, 0, 'c', DataType.FLOAT, false),
                "the element-wise stride is part of the key");
    }

    @Test
    void installedItGivesNewArraysTheirShapes() throws ReflectiveOperationException {
        Field field = Nd4j.class.getDeclaredField("shapeInfoProvider");
        field.setAccessible(true);
        var before = (ShapeInfoProvider) field.get(null);
        try {
            field.set(null, new DirectShapeInfoProvider());
            System.setProperty(ShapeInfoCache.PROPERTY, "false");
            ShapeInfoCache.install();
            assertFalse(ShapeInfoCache.installed(), "the property turns it off");
            System.clearProperty(ShapeInfoCache.PROPERTY);
            ShapeInfoCache.install();
            assertTrue(ShapeInfoCache.installed());
            INDArray a = Nd4j.create(DataType.FLOAT, 6, 7), b = Nd4j.create(DataType.FLOAT, 6, 7);
            assertSame(a.shapeInfoDataBuffer(), b.shapeInfoDataBuffer());
            INDArray f = Nd4j.create(DataType.FLOAT, new long[] {6, 7}, 'f');
            assertEquals('f', f.ordering());
            assertArrayEquals(new long[] {1, 6}, f.stride());
            f.putScalar(5, 6, 2f);
            assertEquals(2f, f.getFloat(5, 6));
            assertEquals(0f, Nd4j.create(DataType.FLOAT, 6, 7).sumNumber().floatValue());
            assertTrue(Nd4j.create(DataType.FLOAT, 0, 7).isEmpty());
        } finally {
            System.clearProperty(ShapeInfoCache.PROPERTY);
            field.set(null, before);
        }
    }
}
