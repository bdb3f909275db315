package org.repro4j;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
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

    /** The C-order elements of a [rows, columns] matrix from its F-order ones, in tiles that stay in the cache. */
    private static double[] transposed(double[] f, int rows, int columns) {
        double[] c = new double[f.length];
        int tile = 64;
        for (int i0 = 0; i0 < rows; i0 += tile) {
            for (int j0 = 0; j0 < columns; j0 += tile) {
                for (int j = j0, jEnd = Math.min(j0 + tile, columns); j < jEnd; j++) {
                    for (int i = i0, iEnd = Math.min(i0 + tile, rows); i < iEnd; i++) {
                        c[i * columns + j] = f[j * rows + i];
                    }
                }
            }
        }
        return c;
    }

    /** A new C-order float array of this shape holding {@code values} (one bulk copy; ND4J's {@code create} took 6 ns an element). */
    public static INDArray floatArray(float[] values, long... shape) {
        if (Arrays.stream(shape).reduce(1, (a, b) -> a * b) != values.length) {
            throw new IllegalArgumentException("shape: expected " + values.length + " elements, got " + Arrays.toString(shape));
        }
        if (!CPU) {
            return Nd4j.create(values, shape, 'c');
        }
        INDArray a = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
        floats(a).put(0, values);
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

    private static void require(INDArray a, DataType type) {
        if (a.dataType() != type || !contiguous(a)) {
            throw new IllegalArgumentException("array: expected a " + type + " array in one run of host memory, got "
                    + a.dataType() + " " + a.shapeInfoToString().replace('\n', ' '));
        }
    }
}
