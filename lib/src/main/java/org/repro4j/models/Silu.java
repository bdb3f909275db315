package org.repro4j.models;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.HostArrays;

/**
 * The SiLU (swish) activation a = z sigma(z) and its backward pass dL/dz = dL/da sigma(z) (1 + z (1 - sigma(z))) (Elfwing,
 * Uchibe and Doya 2018, eq. 4 and its derivative eq. 5).
 *
 * <p>Where oneDNN is {@link OneDnn#available}, both passes are its {@code eltwise_swish} primitive (alpha 1): the forward
 * pass reads z and writes a, the backward pass reads z and dL/da and writes dL/dz, as PyTorch's SiLU does. Measured on
 * 128 x 16 x 28 x 28 floats: 0.5 ms forward and 0.7-0.9 ms backward, against 0.9 and 1.1-1.4 ms for the path below; the
 * values agree with it to float rounding (tests).
 *
 * <p>Elsewhere: sigma(z) is computed as (1 + tanh(z / 2)) / 2 with the {@code tanh} op, which on the CPU runs libnd4j's
 * oneDNN's vectorised code: 0.22 ns an element here, where libnd4j's {@code Sigmoid} and {@code Swish} take 2.1 ns (one
 * {@code expf} an element, not vectorised). That forward pass takes 0.56 ns an element against 2.2. Its error is at most
 * 7e-8 in absolute terms, against libnd4j's 9e-8 (measured on 1M normal values of std 3 against the exact sigmoid);
 * relative to a sigma below 1e-3 it is larger (the 1 + tanh cancels), where a = z sigma(z) is below 0.007 in size. A
 * training forward pass keeps sigma(z), and the backward pass is one loop over z, sigma and dL/da.
 *
 * <p>Why not libnd4j's backward pass: its {@code SwishDerivative} computes e^z (z + e^z + 1) / (e^z + 1)^2 with two
 * {@code pow} calls, 12 ns an element here (a third of a train step of a 3x256 SiLU MLP), and in float it overflows:
 * NaN (inf / inf) for z above 44.4, where the derivative is 1. Forward values and gradients agree with libnd4j's to
 * float rounding (tests).
 */
final class Silu {

    /** Elements a thread's buffers hold at a time in the Java loops. */
    private static final int CHUNK = 4096;
    private static final ThreadLocal<float[][]> FLOATS = ThreadLocal.withInitial(() -> new float[3][CHUNK]);
    private static final ThreadLocal<double[][]> DOUBLES = ThreadLocal.withInitial(() -> new double[3][CHUNK]);

    private Silu() {
    }

    /** A training forward pass: the activation, and sigma(z) for the backward pass (null where oneDNN computes it from z). */
    record Forward(INDArray activation, INDArray sigmoid) {
    }

    /** a = z sigma(z) in a new array of z's type and order (in the activations' workspace). */
    static INDArray activation(INDArray z, LayerWorkspaceMgr workspaceMgr) {
        if (bySwish(z)) {
            INDArray a = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, z.dataType(), z.shape(), z.ordering());
            swishForward(z, a);
            return a;
        }
        INDArray t = halfAngleTanh(z, ArrayType.ACTIVATIONS, workspaceMgr);
        finish(z, t, null, t);
        return t;
    }

    /**
     * a = z sigma(z) in a new array in the activations' workspace and, where oneDNN does not take z, sigma(z) in a new one
     * in the workspace of {@code sigmoidType}.
     */
    static Forward forward(INDArray z, ArrayType sigmoidType, LayerWorkspaceMgr workspaceMgr) {
        if (bySwish(z)) {
            return new Forward(activation(z, workspaceMgr), null);
        }
        INDArray t = halfAngleTanh(z, sigmoidType, workspaceMgr);
        INDArray a = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, z.dataType(), z.shape(), z.ordering());
        finish(z, t, t, a);
        return new Forward(a, t);
    }

    /** sigma(z) in a new array of z's type and order (in the workspace of {@code type}). */
    static INDArray sigmoid(INDArray z, ArrayType type, LayerWorkspaceMgr workspaceMgr) {
        INDArray t = halfAngleTanh(z, type, workspaceMgr);
        finish(z, t, t, null);
        return t;
    }

    /** Whether oneDNN's swish takes z: available, float, one run of memory. */
    private static boolean bySwish(INDArray z) {
        return OneDnn.takes(z) && HostArrays.contiguous(z);
    }

    /**
     * Whether {@link #backprop} computes dL/dz from z alone, without sigma(z): oneDNN's swish takes z, and {@code out} is laid
     * out as {@code epsilon}.
     */
    static boolean fromInput(INDArray z, INDArray epsilon, INDArray out) {
        return bySwish(z) && OneDnn.takes(epsilon, out) && Arrays.equals(epsilon.shape(), z.shape())
                && Arrays.equals(out.shape(), z.shape()) && Arrays.equals(out.stride(), epsilon.stride());
    }

    /** oneDNN's swish of contiguous z into {@code a}, laid out as z. */
    private static void swishForward(INDArray z, INDArray a) {
        OneDnn.Context context = OneDnn.context();
        Swish swish = context.kept("swish forward " + z.length(), () -> new Swish(context, z.length()));
        swish.forward(context, z, a);
    }

    /** oneDNN's {@code eltwise_swish} with alpha 1 over n contiguous floats, forward and backward. */
    private static final class Swish {
        private final eltwise_forward forward;
        private final memory src, dst;
        private final IntMemoryMap args = new IntMemoryMap();

        Swish(OneDnn.Context context, long n) {
            memory.desc flat = new memory.desc(new long[] {n}, memory.data_type.f32, memory.format_tag.x);
            forward = new eltwise_forward(new eltwise_forward.primitive_desc(
                    new eltwise_forward.desc(prop_kind.forward_training, algorithm.eltwise_swish, flat, 1f, 0f), context.engine));
            src = new memory(flat, context.engine, (Pointer) null);
            dst = new memory(flat, context.engine, (Pointer) null);
            args.put(DNNL_ARG_SRC, src);
            args.put(DNNL_ARG_DST, dst);
        }

        void forward(OneDnn.Context context, INDArray z, INDArray a) {
            src.set_data_handle(z.data().addressPointer());
            dst.set_data_handle(a.data().addressPointer());
            forward.execute(context.stream, args);
            context.stream._wait();
        }
    }

    /** oneDNN's swish backward pass for z, dL/da and dL/dz of these layouts (see {@link #fromInput}). */
    private static final class SwishBackward {
        private final eltwise_backward backward;
        private final memory src, diffDst, diffSrc;
        private final IntMemoryMap args = new IntMemoryMap();

        SwishBackward(OneDnn.Context context, INDArray z, INDArray epsilon) {
            memory.desc data = OneDnn.describe(z), diff = OneDnn.describe(epsilon);
            var hint = new eltwise_forward.primitive_desc(
                    new eltwise_forward.desc(prop_kind.forward_training, algorithm.eltwise_swish, data, 1f, 0f), context.engine);
            backward = new eltwise_backward(new eltwise_backward.primitive_desc(
                    new eltwise_backward.desc(algorithm.eltwise_swish, diff, data, 1f, 0f), context.engine, hint));
            src = new memory(data, context.engine, (Pointer) null);
            diffDst = new memory(diff, context.engine, (Pointer) null);
            diffSrc = new memory(diff, context.engine, (Pointer) null);
            args.put(DNNL_ARG_SRC, src);
            args.put(DNNL_ARG_DIFF_DST, diffDst);
            args.put(DNNL_ARG_DIFF_SRC, diffSrc);
        }

        void run(OneDnn.Context context, INDArray z, INDArray epsilon, INDArray out) {
            src.set_data_handle(z.data().addressPointer());
            diffDst.set_data_handle(epsilon.data().addressPointer());
            diffSrc.set_data_handle(out.data().addressPointer());
            backward.execute(context.stream, args);
            context.stream._wait();
        }
    }

    /** tanh(z / 2) in a new array of z's type and order (in the workspace of {@code type}). */
    private static INDArray halfAngleTanh(INDArray z, ArrayType type, LayerWorkspaceMgr workspaceMgr) {
        INDArray t = workspaceMgr.createUninitialized(type, z.dataType(), z.shape(), z.ordering());
        Nd4j.getExecutioner().exec(new ScalarMultiplication(z, null, t, 0.5));
        Nd4j.exec(DynamicCustomOp.builder("tanh").addInputs(t).addOutputs(t).build());
        return t;
    }

    /**
     * From t = tanh(z / 2), writes sigma(z) = (1 + t) / 2 into {@code sigmoid} and z sigma(z) into {@code activation}
     * (either may be null, or t itself); all have z's shape, type and order. One pass in Java on the CPU for float arrays
     * in one run of memory, else ND4J ops.
     */
    private static void finish(INDArray z, INDArray t, INDArray sigmoid, INDArray activation) {
        if (!(HostArrays.onCpu() && z.dataType() == DataType.FLOAT && HostArrays.contiguous(z))) {
            INDArray s = t.muli(0.5).addi(0.5);
            if (activation != null) {
                activation.assign(s.mul(z));
            }
            if (sigmoid != null && sigmoid != t) {
                sigmoid.assign(s);
            }
            return;
        }
        int n = (int) z.length();
        FloatBuffer zs = HostArrays.floats(z), ts = HostArrays.floats(t);
        FloatBuffer ss = sigmoid == null ? null : HostArrays.floats(sigmoid);
        FloatBuffer as = activation == null ? null : HostArrays.floats(activation);
        float[][] buffers = FLOATS.get();
        float[] zb = buffers[0], sb = buffers[1], ab = buffers[2];
        for (int start = 0; start < n; start += CHUNK) {
            int length = Math.min(CHUNK, n - start);
            zs.get(start, zb, 0, length);
            ts.get(start, sb, 0, length);
            for (int i = 0; i < length; i++) {
                float sigma = 0.5f + 0.5f * sb[i];
                sb[i] = sigma;
                ab[i] = zb[i] * sigma;
            }
            if (ss != null) {
                ss.put(start, sb, 0, length);
            }
            if (as != null) {
                as.put(start, ab, 0, length);
            }
        }
    }

    /**
     * dL/dz = dL/da (s + z s (1 - s)), written into {@code out} (and returned), which may be {@code s}; {@code s} =
     * sigma(z), {@code epsilon} = dL/da and {@code out} have z's shape and type. With {@code s} null (where {@link
     * #fromInput} holds), oneDNN's swish backward pass from z; else one pass in Java on the CPU for float and double
     * arrays in C order, else ND4J ops.
     */
    static INDArray backprop(INDArray z, INDArray s, INDArray epsilon, INDArray out) {
        if (s == null) {
            if (!fromInput(z, epsilon, out)) {
                throw new IllegalArgumentException("SiLU backward pass without sigma(z): oneDNN does not take z " + Arrays.toString(z.shape())
                        + " (" + z.dataType() + "), dL/da " + Arrays.toString(epsilon.stride()) + " and dL/dz " + Arrays.toString(out.stride()));
            }
            OneDnn.Context context = OneDnn.context();
            SwishBackward backward = context.kept("swish backward " + Arrays.toString(z.shape()) + Arrays.toString(z.stride())
                    + Arrays.toString(epsilon.stride()), () -> new SwishBackward(context, z, epsilon));
            backward.run(context, z, epsilon, out);
            return out;
        }
        boolean loops = HostArrays.onCpu() && z.dataType() == s.dataType() && z.dataType() == epsilon.dataType()
                && z.dataType() == out.dataType() && (z.dataType() == DataType.FLOAT || z.dataType() == DataType.DOUBLE)
                && HostArrays.inCOrder(z) && HostArrays.inCOrder(s) && HostArrays.inCOrder(epsilon) && HostArrays.inCOrder(out);
        if (!loops) {
            INDArray derivative = s.rsub(1.0).muli(z).muli(s).addi(s);
            return out.assign(derivative.muli(epsilon));
        }
        int n = (int) z.length();
        if (z.dataType() == DataType.FLOAT) {
            FloatBuffer zs = HostArrays.floats(z), ss = HostArrays.floats(s), es = HostArrays.floats(epsilon), os = HostArrays.floats(out);
            float[][] buffers = FLOATS.get();
            float[] zb = buffers[0], sb = buffers[1], eb = buffers[2];
            for (int start = 0; start < n; start += CHUNK) {
                int length = Math.min(CHUNK, n - start);
                zs.get(start, zb, 0, length);
                ss.get(start, sb, 0, length);
                es.get(start, eb, 0, length);
                for (int i = 0; i < length; i++) {
                    float sigma = sb[i];
                    sb[i] = eb[i] * (sigma + zb[i] * sigma * (1f - sigma));
                }
                os.put(start, sb, 0, length);
            }
        } else {
            DoubleBuffer zs = HostArrays.doubles(z), ss = HostArrays.doubles(s), es = HostArrays.doubles(epsilon), os = HostArrays.doubles(out);
            double[][] buffers = DOUBLES.get();
            double[] zb = buffers[0], sb = buffers[1], eb = buffers[2];
            for (int start = 0; start < n; start += CHUNK) {
                int length = Math.min(CHUNK, n - start);
                zs.get(start, zb, 0, length);
                ss.get(start, sb, 0, length);
                es.get(start, eb, 0, length);
                for (int i = 0; i < length; i++) {
                    double sigma = sb[i];
                    sb[i] = eb[i] * (sigma + zb[i] * sigma * (1 - sigma));
                }
                os.put(start, sb, 0, length);
            }
        }
        return out;
    }
}
