package org.repro4j.models;

import java.nio.IntBuffer;
import java.nio.LongBuffer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.common.primitives.Pair;
import org.repro4j.HostArrays;

/**
 * The plain ReLU's backward pass (Nair and Hinton 2010; its subgradient at 0 taken as 0): dL/dz = dL/da where z > 0,
 * else +0, as libnd4j's {@code relu_bp} computes it ({@code x > 0 ? y : 0}), to the bit: -0, NaN and +0 inputs give +0,
 * NaN gradients pass where z > 0 (a test over the special values).
 *
 * <p>Why: {@code relu_bp} calls a {@code std::function} per element, 1.5 ns an element here; in the small conv net's
 * train step it took 12% of the time. Here one Java pass on the values' bits, which the JIT vectorises: the sign bit and
 * the exponent decide z > 0 by two integer subtractions (0 < bits <= the bits of +infinity), and the mask keeps or
 * clears dL/da's bits.
 */
final class Relu {

    /** System property: set to {@code false} to keep libnd4j's {@code relu_bp} (for comparisons). */
    static final String PROPERTY = "repro4j.reluLoops";

    /** Elements a thread's buffers hold at a time. */
    private static final int CHUNK = 4096;
    private static final ThreadLocal<int[][]> INTS = ThreadLocal.withInitial(() -> new int[2][CHUNK]);
    private static final ThreadLocal<long[][]> LONGS = ThreadLocal.withInitial(() -> new long[2][CHUNK]);
    private static final ActivationReLU PLAIN = new ActivationReLU();

    private Relu() {
    }

    /** Whether {@link #backprop} stands in for DL4J's: unless switched off by {@value #PROPERTY}. */
    static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty(PROPERTY, "true"));
    }

    /** Whether {@code activation} is DL4J's plain ReLU: no maximum, threshold or negative slope. */
    static boolean plain(IActivation activation) {
        return PLAIN.equals(activation) && activation.getClass() == ActivationReLU.class;
    }

    /**
     * dL/dz from z and dL/da = {@code epsilon}, in a new array like z (in the current workspace, as DL4J's {@link
     * ActivationReLU#backprop} makes it). One Java pass on the CPU for float and double arrays in C order, else libnd4j's
     * op.
     */
    static INDArray backprop(INDArray z, INDArray epsilon) {
        DataType type = z.dataType();
        boolean loops = HostArrays.onCpu() && (type == DataType.FLOAT || type == DataType.DOUBLE) && epsilon.dataType() == type
                && HostArrays.inCOrder(z) && HostArrays.inCOrder(epsilon) && z.equalShapes(epsilon);
        if (!loops) {
            return PLAIN.backprop(z, epsilon).getFirst();
        }
        INDArray out = z.ulike();
        int n = (int) z.length();
        if (type == DataType.FLOAT) {
            IntBuffer zs = HostArrays.floatBits(z), es = HostArrays.floatBits(epsilon), os = HostArrays.floatBits(out);
            int[][] buffers = INTS.get();
            int[] zb = buffers[0], eb = buffers[1];
            for (int start = 0; start < n; start += CHUNK) {
                int length = Math.min(CHUNK, n - start);
                zs.get(start, zb, 0, length);
                es.get(start, eb, 0, length);
                for (int i = 0; i < length; i++) {
                    int bits = zb[i];
                    // all ones unless 0 < bits <= +infinity's bits, that is unless z > 0
                    int cleared = ((bits - 1) >> 31) | ((0x7f800000 - bits) >> 31);
                    eb[i] &= ~cleared;
                }
                os.put(start, eb, 0, length);
            }
        } else {
            LongBuffer zs = HostArrays.doubleBits(z), es = HostArrays.doubleBits(epsilon), os = HostArrays.doubleBits(out);
            long[][] buffers = LONGS.get();
            long[] zb = buffers[0], eb = buffers[1];
            for (int start = 0; start < n; start += CHUNK) {
                int length = Math.min(CHUNK, n - start);
                zs.get(start, zb, 0, length);
                es.get(start, eb, 0, length);
                for (int i = 0; i < length; i++) {
                    long bits = zb[i];
                    long cleared = ((bits - 1) >> 63) | ((0x7ff0000000000000L - bits) >> 63);
                    eb[i] &= ~cleared;
                }
                os.put(start, eb, 0, length);
            }
        }
        return out;
    }

    /** DL4J's plain ReLU whose backward pass is {@link Relu#backprop}; {@link ReluConvolutionLayer} lends it to its configuration for a backward pass. */
    static final class Backprop extends ActivationReLU {

        @Override
        public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
            return new Pair<>(Relu.backprop(in, epsilon), null);
        }
    }
}
