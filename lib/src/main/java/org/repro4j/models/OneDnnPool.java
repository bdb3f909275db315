package org.repro4j.models;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;

import java.lang.ref.WeakReference;
import java.util.Arrays;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.HostArrays;

/**
 * Max pooling over non-overlapping k x k windows of NCHW floats through oneDNN's pooling primitives called directly
 * ({@link MaxPoolLoops} calls it where {@link OneDnn} is available). Each window's output is its first largest input in
 * row-major order, and the backward pass gives the window's gradient to that input and zero to the others: what the
 * loops and libnd4j choose, the same values to the bit (tests, with ties), except in a window holding a NaN, where
 * oneDNN gives the largest other value, or only NaNs and negative infinities, where it gives the lowest finite float.
 *
 * <p>oneDNN's forward pass in training writes which input each window chose into a workspace that its backward pass
 * reads; a {@link Choices} keeps it for one layer between the two passes.
 *
 * <p>Why: the Java loops took 2.4 ms of a 12 ms conv net train step for the forward pass of a 2x2 pooling of 128 x 8 x 28
 * x 28 floats, one thread whatever the thread count; oneDNN's vectorised kernels took 0.5 ms forward and as much
 * backward (README, Performance).
 */
final class OneDnnPool {

    private OneDnnPool() {
    }

    /** Whether oneDNN pools {@code input}: available here, float, in C order. */
    static boolean takes(INDArray input) {
        return OneDnn.takes(input) && input.dataType() == DataType.FLOAT && HostArrays.inCOrder(input);
    }

    /** A layer's record of the windows' choices: oneDNN's workspace of the last forward pass, and the input it pooled. */
    static final class Choices {
        private memory workspace;
        private WeakReference<INDArray> input = new WeakReference<>(null);

        /** Whether the last forward pass pooled {@code x} (then {@link #backward} reads its choices). */
        boolean madeFor(INDArray x) {
            return input.get() == x;
        }

        /** Forgets the input (its choices are used once). */
        void forget() {
            input = new WeakReference<>(null);
        }
    }

    /** y = the k x k max pooling of x (N, C, H, W), with H and W multiples of k; the choices go into {@code choices}. */
    static void forward(INDArray x, int k, INDArray y, Choices choices) {
        OneDnn.Context context = OneDnn.context();
        Primitives p = context.kept("max pool " + k + " " + Arrays.toString(x.shape()), () -> new Primitives(context, x.shape(), k));
        if (choices.workspace == null || !choices.workspace.get_desc().equals(p.workspace)) {
            choices.workspace = new memory(p.workspace, context.engine);
        }
        p.src.set_data_handle(x.data().addressPointer());
        p.dst.set_data_handle(y.data().addressPointer());
        p.forwardArgs.put(DNNL_ARG_WORKSPACE, choices.workspace);
        p.forward.execute(context.stream, p.forwardArgs);
        context.stream._wait();
        choices.input = new WeakReference<>(x);
    }

    /**
     * dx = the gradient of the k x k max pooling for the output gradient dy, routed to the inputs the last forward pass
     * into {@code choices} chose (the caller checks that it pooled this input: {@link Choices#madeFor}).
     */
    static void backward(INDArray dy, int k, INDArray dx, Choices choices) {
        OneDnn.Context context = OneDnn.context();
        Primitives p = context.kept("max pool " + k + " " + Arrays.toString(dx.shape()), () -> new Primitives(context, dx.shape(), k));
        p.diffDst.set_data_handle(dy.data().addressPointer());
        p.diffSrc.set_data_handle(dx.data().addressPointer());
        p.backwardArgs.put(DNNL_ARG_WORKSPACE, choices.workspace);
        p.backward.execute(context.stream, p.backwardArgs);
        context.stream._wait();
    }

    /** Both passes' primitives for one input shape and window, on plain NCHW arrays. */
    private static final class Primitives {
        private final pooling_forward forward;
        private final pooling_backward backward;
        private final memory src, dst, diffSrc, diffDst;
        /** The layout of the workspace the forward pass writes and the backward pass reads. */
        private final memory.desc workspace;
        private final IntMemoryMap forwardArgs = new IntMemoryMap(), backwardArgs = new IntMemoryMap();

        Primitives(OneDnn.Context context, long[] inputShape, int k) {
            long[] outputShape = {inputShape[0], inputShape[1], inputShape[2] / k, inputShape[3] / k};
            memory.desc in = plain(inputShape), out = plain(outputShape);
            long[] window = {k, k}, none = {0, 0};
            var forwardPd = new pooling_forward.primitive_desc(
                    new pooling_forward.desc(prop_kind.forward_training, algorithm.pooling_max, in, out, window, window, none, none), context.engine);
            forward = new pooling_forward(forwardPd);
            backward = new pooling_backward(new pooling_backward.primitive_desc(
                    new pooling_backward.desc(algorithm.pooling_max, in, out, window, window, none, none), context.engine, forwardPd));
            workspace = forwardPd.workspace_desc();
            src = new memory(in, context.engine, (Pointer) null);
            dst = new memory(out, context.engine, (Pointer) null);
            diffSrc = new memory(in, context.engine, (Pointer) null);
            diffDst = new memory(out, context.engine, (Pointer) null);
            forwardArgs.put(DNNL_ARG_SRC, src);
            forwardArgs.put(DNNL_ARG_DST, dst);
            backwardArgs.put(DNNL_ARG_DIFF_DST, diffDst);
            backwardArgs.put(DNNL_ARG_DIFF_SRC, diffSrc);
        }

        private static memory.desc plain(long[] shape) {
            return new memory.desc(shape, memory.data_type.f32, memory.format_tag.nchw);
        }
    }
}
