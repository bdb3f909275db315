package org.repro4j;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J arrays read and written as Java arrays, for the few computations that repro4j does in plain Java
 * loops on the CPU because ND4J's many small ops cost more than the arithmetic ({@code optim.FastAdam},
 * {@code norm.GroupNormalization}, the pruning thresholds and masks). On the CPU backend an array's elements live in native memory; a bulk
 * copy through a {@link FloatBuffer} or {@link DoubleBuffer} over that memory moves them in one go.
 */
public final class HostArrays {

    private static final boolean CPU = "CPU".equalsIgnoreCase(
            String.valueOf(Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend")));

    /** Side of the square tiles in which {@link #copy} transposes matrices. */
    private static final int TILE = 64;
    /** Elements {@link #castTo} converts at a time: 64 KB of doubles, in the cache. */
    private static final int CAST_CHUNK = 1 << 13;
    /** Side of the square tiles of {@link #transposed}. */
    private static final int DOUBLE_TILE = 32;

    private HostArrays() {
    }

    /** Whether ND4J runs on the CPU backend here, where an array's elements are in this process's memory. */
    public static boolean onCpu() {
        return CPU;
    }

    /**
     * Whether {@code a}'s elements are one run of host memory (in {@code a}'s own order: C, F, or either for a vector):
     * then {@link #floats} and {@link #doubles} see them all.
     */
    public static boolean contiguous(INDArray a) {
        return CPU && a.length() <= Integer.MAX_VALUE && (a.length() <= 1 || a.elementWiseStride() == 1);
    }

    /** Whether {@code a} is {@link #contiguous} with its elements in C order. */
    public static boolean inCOrder(INDArray a) {
        return contiguous(a) && (a.length() <= 1 || a.ordering() == 'c' || a.isVector());
    }

    /**
     * The elements of a {@link #contiguous} float array in memory order, as a buffer over its native memory (not a
     * copy: writes go to the array). A view's data buffer is itself a view whose address is the view's first element.
     */
    public static FloatBuffer floats(INDArray a) {
        require(a, DataType.FLOAT);
        return new FloatPointer(a.data().addressPointer()).capacity(a.length()).asBuffer();
    }

    /** As {@link #floats}, each float's bits as an int (as {@link Float#floatToRawIntBits}). */
    public static IntBuffer floatBits(INDArray a) {
        require(a, DataType.FLOAT);
        return new IntPointer(a.data().addressPointer()).capacity(a.length()).asBuffer();
    }

    /** As {@link #doubles}, each double's bits as a long (as {@link Double#doubleToRawLongBits}). */
    public static LongBuffer doubleBits(INDArray a) {
        require(a, DataType.DOUBLE);
        return new LongPointer(a.data().addressPointer()).capacity(a.length()).asBuffer();
    }

    /** As {@link #floats}, for a double array. */
    public static DoubleBuffer doubles(INDArray a) {
        require(a, DataType.DOUBLE);
        return new DoublePointer(a.data().addressPointer()).capacity(a.length()).asBuffer();
    }

    /** {@code a}'s elements in C order as doubles, whatever its type, order or strides (a copy). */
    public static double[] toDoubles(INDArray a) {
        if (!readable(a)) {
            return toDoubles(a.castTo(DataType.DOUBLE).dup('c'));
        }
        double[] values = new double[(int) a.length()];
        if (a.dataType() == DataType.DOUBLE) {
            doubles(a).get(0, values);
        } else {
            float[] f = new float[values.length];
            floats(a).get(0, f);
            for (int i = 0; i < f.length; i++) {
                values[i] = f[i];
            }
        }
        return inCOrder(a) ? values : transposed(values, (int) a.size(0), (int) a.size(1));
    }

    /** {@code a}'s elements in C order as floats, whatever its type, order or strides (a copy; doubles are rounded). */
    public static float[] toFloats(INDArray a) {
        if (a.dataType() != DataType.FLOAT || !inCOrder(a)) {
            return toFloats(a.castTo(DataType.FLOAT).dup('c'));
        }
        float[] values = new float[(int) a.length()];
        floats(a).get(0, values);
        return values;
    }

    /**
     * Whether {@link #toDoubles} reads {@code a} in one bulk copy: a float or double array in one run of memory, in
     * C order or a matrix in F order (DL4J's dense weights, whose copy into C order by ND4J, an op that mixes orders,
     * took four times as long as a copy within one order).
     */
    private static boolean readable(INDArray a) {
        return (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE) && contiguous(a)
                && (inCOrder(a) || a.rank() == 2);
    }

    /**
     * The C-order elements of a [rows, columns] matrix from its F-order ones, in {@link #DOUBLE_TILE}-square tiles that
     * stay in the cache, each written a row at a time: 2.6-3.4 ms for 784 x 2048 doubles and 7.0-7.1 ms for 2048 x 2048,
     * where 64-square tiles read a column at a time took 9.0-13.3 and 23.7-26.9 ms (a power-of-two column length puts a
     * tile's column in few cache sets).
     */
    private static double[] transposed(double[] f, int rows, int columns) {
        double[] c = new double[f.length];
        for (int i0 = 0; i0 < rows; i0 += DOUBLE_TILE) {
            for (int j0 = 0; j0 < columns; j0 += DOUBLE_TILE) {
                for (int i = i0, iEnd = Math.min(i0 + DOUBLE_TILE, rows); i < iEnd; i++) {
                    for (int j = j0, jEnd = Math.min(j0 + DOUBLE_TILE, columns); j < jEnd; j++) {
                        c[i * columns + j] = f[j * rows + i];
                    }
                }
            }
        }
        return c;
    }

    /**
     * A new C-order float or double array of {@code shape} for a caller that writes every element. On the CPU its memory
     * is JavaCPP's, which ND4J wraps without writing to it: ND4J zeroes every array it makes, those of {@code
     * createUninitialized} too (84 MB of doubles: 29 ms here on one thread, most of it the page faults of fresh memory),
     * so the caller's writes would be a second pass; here they are the first, and split across {@link HostLoops}'s
     * threads they fault the pages in on each. The memory is freed by {@link #free}, or once no view of the array is left
     * (the buffer holds the pointer that owns it). Elsewhere, or for other types, ND4J's {@code createUninitialized}.
     */
    public static INDArray unwritten(DataType type, long... shape) {
        long length = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        if (!CPU || length == 0 || (type != DataType.FLOAT && type != DataType.DOUBLE)) {
            return Nd4j.createUninitialized(type, shape, 'c');
        }
        return overOwnMemory(type, length, false, shape);
    }

    /**
     * A new C-order float or double array of zeros whose memory nobody has written: on the CPU from {@code calloc}, which
     * for a large array maps fresh pages that the system zeroes as they are first touched, by whichever thread first
     * writes them; ND4J's {@code create} zeroes its arrays in a pass of its own on one thread first. Freed as {@link
     * #unwritten} arrays are. Elsewhere, or for other types, ND4J's {@code create}.
     */
    public static INDArray zeros(DataType type, long... shape) {
        long length = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        if (!CPU || length == 0 || (type != DataType.FLOAT && type != DataType.DOUBLE)) {
            return Nd4j.create(type, shape, 'c');
        }
        return overOwnMemory(type, length, true, shape);
    }

    /** A C-order array of {@code shape} over new memory of its own, from {@code calloc} if {@code zeroed}, else {@code malloc}. */
    private static INDArray overOwnMemory(DataType type, long length, boolean zeroed, long[] shape) {
        DataBuffer buffer;
        if (type == DataType.FLOAT) {
            FloatPointer memory = new OwnFloats(length, zeroed);
            buffer = Nd4j.createBuffer(memory, type, length, FloatIndexer.create(memory));
        } else {
            DoublePointer memory = new OwnDoubles(length, zeroed);
            buffer = Nd4j.createBuffer(memory, type, length, DoubleIndexer.create(memory));
        }
        return Nd4j.create(buffer, shape, Nd4j.getStrides(shape, 'c'), 0, 'c');
    }

    /**
     * Frees the memory of {@code a} now; neither it nor any view of it is to be used after. Memory of {@link #unwritten}
     * and {@link #zeros} arrays goes back to the C allocator (ND4J's {@code close} only drops its reference to it, which
     * leaves the memory to the garbage collector); ND4J's own arrays are closed; a view, or an array ND4J cannot close,
     * is left to the collector.
     */
    public static void free(INDArray a) {
        Pointer memory = a.isView() ? null : a.data().pointer();
        if (a.closeable()) {
            a.close();
        }
        if (memory instanceof OwnFloats || memory instanceof OwnDoubles) {
            memory.deallocate();
        }
    }

    /** {@code length} floats of {@link #overOwnMemory}, freed by {@link #free} or once this pointer is unreachable. */
    private static final class OwnFloats extends FloatPointer {
        OwnFloats(long length, boolean zeroed) {
            super(allocated(zeroed ? Pointer.calloc(length, Float.BYTES) : Pointer.malloc(length * Float.BYTES), length * Float.BYTES));
            deallocator(new OwnDoubles.Free(this));   // before the capacity: see OwnDoubles
            capacity(length);
            limit(length);
        }
    }

    /** {@code length} doubles of {@link #overOwnMemory}, freed by {@link #free} or once this pointer is unreachable. */
    private static final class OwnDoubles extends DoublePointer {
        OwnDoubles(long length, boolean zeroed) {
            super(allocated(zeroed ? Pointer.calloc(length, Double.BYTES) : Pointer.malloc(length * Double.BYTES), length * Double.BYTES));
            // registered while the capacity is still 0, so that JavaCPP does not count these bytes against its maxBytes
            // (the kernel's 768 MB): ND4J's own arrays, which these stand in for, are not counted either, and CIFAR-10's
            // pixels as floats (737 MB, both splits) would leave 31 MB of that limit for everything else
            deallocator(new Free(this));
            capacity(length);
            limit(length);
        }

        /**
         * Frees the address it copied from its owner (holding the owner would keep it reachable forever). Declared in a
         * pointer class, where JavaCPP's {@code Deallocator} interface is visible.
         */
        private static final class Free extends Pointer implements Deallocator {
            Free(Pointer owner) {
                super(owner);
            }

            @Override
            public void deallocate() {
                Pointer.free(this);
            }
        }
    }

    /** {@code memory}, unless the allocation failed. */
    private static Pointer allocated(Pointer memory, long bytes) {
        if (memory == null || memory.isNull()) {
            throw new OutOfMemoryError("could not allocate " + bytes + " bytes of host memory");
        }
        return memory;
    }

    /**
     * {@code a} as {@code type}, a new C-order array. A float or double array in C order (or a vector) in one run of host
     * memory goes to the other type in Java loops split across {@link HostLoops}' threads, into {@link #unwritten} memory
     * (rounding as ND4J's {@code castTo} does, to the nearest); ND4J's {@code castTo} took a single-threaded pass zeroing
     * its result first (a 10.5M-parameter network to double: 32 ms, 29 of them that pass). Anything else: {@code castTo}.
     */
    public static INDArray castTo(INDArray a, DataType type) {
        DataType from = a.dataType();
        boolean floats = (from == DataType.FLOAT && type == DataType.DOUBLE) || (from == DataType.DOUBLE && type == DataType.FLOAT);
        if (!floats || !inCOrder(a) || a.length() == 0) {
            return a.castTo(type);
        }
        INDArray out = unwritten(type, a.shape());
        int n = (int) a.length();
        if (from == DataType.FLOAT) {
            FloatBuffer source = floats(a);
            DoubleBuffer target = doubles(out);
            HostLoops.split(n, HostLoops.grain(1), (start, end) -> {
                float[] in = new float[Math.min(CAST_CHUNK, end - start)];
                double[] chunk = new double[in.length];
                for (int i = start; i < end; i += in.length) {
                    int length = Math.min(in.length, end - i);
                    source.get(i, in, 0, length);
                    for (int k = 0; k < length; k++) {
                        chunk[k] = in[k];
                    }
                    target.put(i, chunk, 0, length);
                }
            });
        } else {
            DoubleBuffer source = doubles(a);
            FloatBuffer target = floats(out);
            HostLoops.split(n, HostLoops.grain(1), (start, end) -> {
                double[] in = new double[Math.min(CAST_CHUNK, end - start)];
                float[] chunk = new float[in.length];
                for (int i = start; i < end; i += in.length) {
                    int length = Math.min(in.length, end - i);
                    source.get(i, in, 0, length);
                    for (int k = 0; k < length; k++) {
                        chunk[k] = (float) in[k];
                    }
                    target.put(i, chunk, 0, length);
                }
            });
        }
        return out;
    }

    /** A new C-order float array of this shape holding {@code values} (one bulk copy; ND4J's {@code create} took 6 ns an element). */
    public static INDArray floatArray(float[] values, long... shape) {
        requireLength(values.length, shape);
        if (!CPU) {
            return Nd4j.create(values, shape, 'c');
        }
        INDArray a = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
        floats(a).put(0, values);
        return a;
    }

    /**
     * A new C-order array of {@code type} and {@code shape} holding {@code values}, rounded to float for a float array
     * (as {@code castTo} rounds): on the CPU one bulk copy, where ND4J's {@code create(double[], ...)} puts the elements
     * one at a time (in a DDIM step of 10,000 points, filling the denoiser's [10,000, 34] input that way took as long
     * as its output layer).
     */
    public static INDArray array(double[] values, DataType type, long... shape) {
        requireLength(values.length, shape);
        if (!CPU || (type != DataType.FLOAT && type != DataType.DOUBLE)) {
            return Nd4j.create(values, shape, 'c').castTo(type);
        }
        INDArray a = Nd4j.createUninitialized(type, shape, 'c');
        write(values, a);
        return a;
    }

    /**
     * Writes {@code values} (C order) into {@code target}, a C-order float or double array of that length
     * ({@link #inCOrder}), rounding to float for a float one.
     */
    public static void write(double[] values, INDArray target) {
        if (!inCOrder(target)) {
            throw new IllegalArgumentException("target: expected a C-order array in one run of host memory, got "
                    + target.shapeInfoToString().replace('\n', ' '));
        }
        if (target.length() != values.length) {
            throw new IllegalArgumentException("target: expected " + values.length + " elements, got " + target.length());
        }
        if (target.dataType() == DataType.DOUBLE) {
            doubles(target).put(0, values);
            return;
        }
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        floats(target).put(0, f);
    }

    /**
     * Copies the matrix {@code from} into {@code to}, of the same shape and type, whatever their orders: when the
     * orders differ, on the CPU for float and double arrays each in one run of memory, in tiles that stay in the cache
     * (ND4J's copy between orders took 6 ns an element); else by ND4J's {@code assign}.
     */
    public static void copy(INDArray from, INDArray to) {
        if (from.rank() != 2 || !Arrays.equals(from.shape(), to.shape()) || from.dataType() != to.dataType()) {
            throw new IllegalArgumentException("to: expected a " + from.dataType() + " matrix of shape " + Arrays.toString(from.shape())
                    + ", got a " + to.dataType() + " array of shape " + Arrays.toString(to.shape()));
        }
        boolean transpose = CPU && (from.dataType() == DataType.FLOAT || from.dataType() == DataType.DOUBLE) && contiguous(from)
                && contiguous(to) && from.length() > 1 && from.ordering() != to.ordering() && !from.isVector();
        if (!transpose) {
            to.assign(from);
            return;
        }
        // a row-major [r, c] matrix is laid out as a column-major [c, r] one: copy columns of the one into rows of the other
        int outer = (int) (to.ordering() == 'c' ? from.size(0) : from.size(1));
        int inner = (int) (to.ordering() == 'c' ? from.size(1) : from.size(0));
        if (from.dataType() == DataType.FLOAT) {
            FloatBuffer source = floats(from);
            FloatBuffer target = floats(to);
            float[] tile = new float[TILE * TILE];
            float[] row = new float[TILE];
            for (int i0 = 0; i0 < outer; i0 += TILE) {
                int rows = Math.min(TILE, outer - i0);
                for (int j0 = 0; j0 < inner; j0 += TILE) {
                    int columns = Math.min(TILE, inner - j0);
                    for (int j = 0; j < columns; j++) {
                        source.get((j0 + j) * outer + i0, tile, j * TILE, rows);
                    }
                    for (int i = 0; i < rows; i++) {
                        for (int j = 0; j < columns; j++) {
                            row[j] = tile[j * TILE + i];
                        }
                        target.put((i0 + i) * inner + j0, row, 0, columns);
                    }
                }
            }
        } else {
            DoubleBuffer source = doubles(from);
            DoubleBuffer target = doubles(to);
            double[] tile = new double[TILE * TILE];
            double[] row = new double[TILE];
            for (int i0 = 0; i0 < outer; i0 += TILE) {
                int rows = Math.min(TILE, outer - i0);
                for (int j0 = 0; j0 < inner; j0 += TILE) {
                    int columns = Math.min(TILE, inner - j0);
                    for (int j = 0; j < columns; j++) {
                        source.get((j0 + j) * outer + i0, tile, j * TILE, rows);
                    }
                    for (int i = 0; i < rows; i++) {
                        for (int j = 0; j < columns; j++) {
                            row[j] = tile[j * TILE + i];
                        }
                        target.put((i0 + i) * inner + j0, row, 0, columns);
                    }
                }
            }
        }
    }

    /** Refuses a {@code shape} whose elements are not {@code length} in number, naming both. */
    private static void requireLength(int length, long[] shape) {
        if (Arrays.stream(shape).reduce(1, (a, b) -> a * b) != length) {
            throw new IllegalArgumentException("shape: expected " + length + " elements, got " + Arrays.toString(shape));
        }
    }

    private static void require(INDArray a, DataType type) {
        if (a.dataType() != type || !contiguous(a)) {
            throw new IllegalArgumentException("array: expected a " + type + " array in one run of host memory, got "
                    + a.dataType() + " " + a.shapeInfoToString().replace('\n', ' '));
        }
    }
}
