package org.repro4j;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.cpu.nativecpu.DirectShapeInfoProvider;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's shape-information provider on the CPU with a cache for the call every new array makes.
 *
 * <p>ND4J 1.0.0-M2.1's {@code DirectShapeInfoProvider} caches shape information (an array's shape, strides,
 * order and type, which libnd4j keeps as a constant buffer) for one of its signatures, but {@code BaseNDArray}'s
 * constructors use another, which goes to libnd4j every time: two JavaCPP allocations of the shape and strides,
 * each of which reads {@code /proc/self/statm} under the kernel's physical-memory cap. A JFR profile of
 * LeNet-300-100's training step at batch 60 put 10% of the training thread in those reads. This provider answers
 * that call from a cache too, keyed by everything the shape information holds, up to {@value #MAX_ENTRIES}
 * entries (then as before). The shape information is the same; libnd4j's buffer was already shared.
 *
 * <p>{@link #install()} puts it in place of ND4J's own; {@code FastLayers.install} calls it. The system property
 * {@value #PROPERTY} set to {@code false} turns that off.
 */
public final class ShapeInfoCache extends DirectShapeInfoProvider {

    /** System property: {@code false} leaves ND4J's provider in place. */
    public static final String PROPERTY = "repro4j.shapeInfoCache";

    /** Most shapes kept: a few hundred bytes each. */
    public static final int MAX_ENTRIES = 100_000;

    private final Map<Key, Pair<DataBuffer, long[]>> cache = new ConcurrentHashMap<>();

    /**
     * Puts a {@code ShapeInfoCache} in place of ND4J's provider if that is the CPU backend's {@code DirectShapeInfoProvider}
     * (and {@value #PROPERTY} is not {@code false}); safe to call any number of times.
     */
    public static synchronized void install() {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))
                || Nd4j.getShapeInfoProvider().getClass() != DirectShapeInfoProvider.class) {
            return;
        }
        try {
            Field field = Nd4j.class.getDeclaredField("shapeInfoProvider");
            field.setAccessible(true);
            field.set(null, new ShapeInfoCache());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("ShapeInfoCache: ND4J's Nd4j has no field shapeInfoProvider", e);
        }
    }

    /** Whether ND4J uses a {@code ShapeInfoCache} now. */
    public static boolean installed() {
        return Nd4j.getShapeInfoProvider() instanceof ShapeInfoCache;
    }

    @Override
    public Pair<DataBuffer, long[]> createShapeInformation(long[] shape, long[] stride, long elementWiseStride, char order,
                                                          DataType dataType, boolean empty) {
        var key = new Key(shape, stride, elementWiseStride, order, dataType, empty);
        Pair<DataBuffer, long[]> cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        Pair<DataBuffer, long[]> made = super.createShapeInformation(shape, stride, elementWiseStride, order, dataType, empty);
        if (cache.size() < MAX_ENTRIES) {
            Pair<DataBuffer, long[]> raced = cache.putIfAbsent(key, made);
            return raced != null ? raced : made;
        }
        return made;
    }

    /** Number of shapes in the cache. */
    int size() {
        return cache.size();
    }

    /** Everything a shape-information request says, copied (callers reuse their arrays). */
    private static final class Key {
        private final long[] values;
        private final int hash;

        Key(long[] shape, long[] stride, long elementWiseStride, char order, DataType dataType, boolean empty) {
            values = new long[shape.length + stride.length + 5];
            values[0] = shape.length;
            System.arraycopy(shape, 0, values, 1, shape.length);
            System.arraycopy(stride, 0, values, 1 + shape.length, stride.length);
            int at = 1 + shape.length + stride.length;
            values[at] = elementWiseStride;
            values[at + 1] = order;
            values[at + 2] = dataType.ordinal();
            values[at + 3] = empty ? 1 : 0;
            hash = Arrays.hashCode(values);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && Arrays.equals(k.values, values);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
