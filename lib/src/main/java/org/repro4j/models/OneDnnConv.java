package org.repro4j.models;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

import java.util.Arrays;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.HostArrays;

/**
 * 2-D convolutions of float NCHW arrays, forward and backward, run by oneDNN called directly (JavaCPP's {@code
 * org.bytedeco:dnnl}) rather than through libnd4j's {@code conv2d} / {@code conv2d_bp} ops, which call the oneDNN
 * linked into libnd4j.
 *
 * <p>Why: the computation is the same convolution (LeCun et al. 1989; the backward pass's two halves are
 * cross-correlations of the output gradient with the weights and with the input), but libnd4j 1.0.0-M2.1 calls oneDNN in a
 * way that costs a third more than PyTorch's calls into the same library. Measured with oneDNN's own timings ({@code
 * DNNL_VERBOSE=1}) over one U-Net train step at batch 128: 105 ms in oneDNN against PyTorch's 80. libnd4j asks for
 * {@code convolution_auto}, so oneDNN picks Winograd for some backward passes (11.1 ms for the 48 -> 16 channel weight
 * gradient at 28 x 28, where the direct algorithm takes 6.5); it copies each output array's old contents into
 * oneDNN's layout before the convolution overwrites them, and the output gradient into the same layout twice; its
 * forward pass asks for inference, for which oneDNN picks a channels-last layout that needs its own copies; and it
 * always computes the input gradient, which nobody takes for a network's first layer. This class asks for the direct
 * algorithm and training, reorders each operand once and only where oneDNN's layout differs from the array's, and
 * leaves out the input gradient when asked to. Each call's primitives are built once per shape and thread and kept.
 * The same U-Net step then spends 85 ms in oneDNN (convolutions 64.4 ms, PyTorch's 64.2). It also takes dilated
 * kernels, whose right padding libnd4j computes without the dilation (oneDNN refuses the call; DL4J then falls back
 * to its own path).
 *
 * <p>The arrays keep ND4J's layout (any strides, so a channel slice of a concatenation works); oneDNN's blocked copies
 * live in this thread's scratch memory ({@link OneDnn.Context}), which every call takes from its start, so that each
 * writes into memory the calls before it left in the CPU's caches. On a machine without the natives
 * ({@link OneDnn#available} false) {@link NativeConv} keeps libnd4j's path.
 */
final class OneDnnConv {

    private OneDnnConv() {
    }

    /**
     * A convolution's shape: input [n, c, h, w], weights [o, c, kh, kw], output [n, o, oh, ow]; stride, dilation (1 =
     * none, as DL4J counts it) and the top and left padding; the bottom and right padding follow from the output size.
     */
    record Shape(int n, int c, int h, int w, int o, int kh, int kw, int oh, int ow, int strideH, int strideW,
                 int dilationH, int dilationW, int padTop, int padLeft) {

        int padBottom() {
            return (oh - 1) * strideH + (kh - 1) * dilationH + 1 - h - padTop;
        }

        int padRight() {
            return (ow - 1) * strideW + (kw - 1) * dilationW + 1 - w - padLeft;
        }

        /** Whether oneDNN takes this shape as it is: positive sizes and no negative padding. */
        boolean supported() {
            return n > 0 && c > 0 && h > 0 && w > 0 && o > 0 && kh > 0 && kw > 0 && oh > 0 && ow > 0 && strideH > 0
                    && strideW > 0 && dilationH > 0 && dilationW > 0 && padTop >= 0 && padLeft >= 0 && padBottom() >= 0
                    && padRight() >= 0;
        }

        long[] input() {
            return new long[] {n, c, h, w};
        }

        long[] weights() {
            return new long[] {o, c, kh, kw};
        }

        long[] output() {
            return new long[] {n, o, oh, ow};
        }

        long[] strides() {
            return new long[] {strideH, strideW};
        }

        /** The dilations as oneDNN counts them: 0 = none. */
        long[] dilations() {
            return new long[] {dilationH - 1, dilationW - 1};
        }

        long[] padBefore() {
            return new long[] {padTop, padLeft};
        }

        long[] padAfter() {
            return new long[] {padBottom(), padRight()};
        }

        /** The bias's (and its gradient's) layout: o floats. */
        memory.desc bias() {
            return new memory.desc(new long[] {o}, memory.data_type.f32, memory.format_tag.x);
        }
    }

    /** Whether {@link #forward} and {@link #backward} take these arrays: oneDNN {@link OneDnn#takes} them, {@code shape} {@link Shape#supported}. */
    static boolean takes(Shape shape, INDArray... arrays) {
        return shape.supported() && OneDnn.takes(arrays);
    }

    /** z = conv(x, w) + b into {@code z} [n, o, oh, ow]; {@code b} (o values) may be null. */
    static void forward(Shape shape, INDArray x, INDArray w, INDArray b, INDArray z) {
        check(x, shape.input(), "input");
        check(w, shape.weights(), "weights");
        check(z, shape.output(), "output");
        if (b != null && (b.length() != shape.o() || !HostArrays.contiguous(b))) {
            throw new IllegalArgumentException("bias: expected " + shape.o() + " contiguous values, got shape " + Arrays.toString(b.shape()));
        }
        OneDnn.Context context = OneDnn.context();
        Forward forward = context.kept("conv forward " + shape + strides(x) + strides(w) + strides(z) + (b != null),
                () -> new Forward(context, shape, x, w, b != null, z));
        forward.run(context, x, w, b, z);
    }

    /**
     * The backward pass from {@code delta} = dL/dz [n, o, oh, ow]: dL/dx into {@code gradInput} (null: not computed), dL/dw
     * into {@code gradWeights} and dL/db into {@code gradBias} (null: no bias).
     */
    static void backward(Shape shape, INDArray x, INDArray w, INDArray delta, INDArray gradInput, INDArray gradWeights, INDArray gradBias) {
        check(x, shape.input(), "input");
        check(w, shape.weights(), "weights");
        check(delta, shape.output(), "output gradient");
        check(gradWeights, shape.weights(), "weight gradient");
        if (gradInput != null) {
            check(gradInput, shape.input(), "input gradient");
        }
        if (gradBias != null && (gradBias.length() != shape.o() || !HostArrays.contiguous(gradBias))) {
            throw new IllegalArgumentException("bias gradient: expected " + shape.o() + " contiguous values, got shape "
                    + Arrays.toString(gradBias.shape()));
        }
        OneDnn.Context context = OneDnn.context();
        Backward backward = context.kept("conv backward " + shape + strides(x) + strides(w) + strides(delta)
                        + (gradInput == null ? "-" : strides(gradInput)) + strides(gradWeights) + (gradBias != null),
                () -> new Backward(context, shape, x, w, delta, gradInput, gradWeights, gradBias != null));
        backward.run(context, x, w, delta, gradInput, gradWeights, gradBias);
    }

    private static void check(INDArray a, long[] shape, String name) {
        if (!Arrays.equals(a.shape(), shape)) {
            throw new IllegalArgumentException(name + ": expected shape " + Arrays.toString(shape) + ", got " + Arrays.toString(a.shape()));
        }
        if (a.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException(name + ": expected FLOAT, got " + a.dataType());
        }
    }

    private static String strides(INDArray a) {
        return Arrays.toString(a.stride());
    }

    /**
     * One array as a primitive sees it: the array's own memory, and where the primitive wants another layout a buffer of
     * that layout, in the thread's scratch memory, with the reorder between the two.
     */
    private static final class Operand {
        private final memory user;
        private final memory inner;
        private final reorder reorder;
        /** Where the buffer starts in the scratch memory, bytes. */
        private final long offset;
        /** The scratch memory's first byte after the buffer (= {@code offset} where there is no buffer). */
        final long end;

        /**
         * {@code toInner}: the reorder copies the array into the buffer (an input), else the buffer into the array. The
         * buffer, if any, starts {@code offset} bytes into the scratch memory.
         */
        Operand(OneDnn.Context context, memory.desc userDesc, memory.desc innerDesc, long offset, boolean toInner) {
            this.user = new memory(userDesc, context.engine, (Pointer) null);
            this.offset = offset;
            if (userDesc.equals(innerDesc)) {
                inner = user;
                reorder = null;
                end = offset;
            } else {
                inner = new memory(innerDesc, context.engine, (Pointer) null);
                reorder = toInner ? new reorder(user, inner) : new reorder(inner, user);
                end = offset + OneDnn.Context.aligned(innerDesc.get_size());
            }
        }

        /** Points this operand at {@code array} and, for an input in another layout, copies it into the buffer. */
        memory bindInput(OneDnn.Context context, INDArray array) {
            user.set_data_handle(array.data().addressPointer());
            if (reorder != null) {
                inner.set_data_handle(context.scratch(offset));
                reorder.execute(context.stream, user, inner);
            }
            return inner;
        }

        /** Points this operand at {@code array} (an output); {@link #finishOutput} copies the result there. */
        memory bindOutput(OneDnn.Context context, INDArray array) {
            user.set_data_handle(array.data().addressPointer());
            if (reorder != null) {
                inner.set_data_handle(context.scratch(offset));
            }
            return inner;
        }

        void finishOutput(OneDnn.Context context) {
            if (reorder != null) {
                reorder.execute(context.stream, inner, user);
            }
        }
    }

    private static convolution_forward.primitive_desc forwardDescriptor(OneDnn.Context context, Shape s, boolean bias) {
        convolution_forward.desc desc = bias
                ? new convolution_forward.desc(prop_kind.forward_training, algorithm.convolution_direct, OneDnn.any(s.input()),
                        OneDnn.any(s.weights()), s.bias(), OneDnn.any(s.output()), s.strides(), s.dilations(), s.padBefore(), s.padAfter())
                : new convolution_forward.desc(prop_kind.forward_training, algorithm.convolution_direct, OneDnn.any(s.input()),
                        OneDnn.any(s.weights()), OneDnn.any(s.output()), s.strides(), s.dilations(), s.padBefore(), s.padAfter());
        return new convolution_forward.primitive_desc(desc, context.engine);
    }

    /** The forward pass's primitive and operands for one shape and layout. */
    private static final class Forward {
        private final convolution_forward primitive;
        private final Operand src, weights, dst;
        private final memory bias;
        private final IntMemoryMap args = new IntMemoryMap();

        Forward(OneDnn.Context context, Shape shape, INDArray x, INDArray w, boolean withBias, INDArray z) {
            convolution_forward.primitive_desc pd = forwardDescriptor(context, shape, withBias);
            primitive = new convolution_forward(pd);
            src = new Operand(context, OneDnn.describe(x), pd.src_desc(), 0, true);
            weights = new Operand(context, OneDnn.describe(w), pd.weights_desc(), src.end, true);
            dst = new Operand(context, OneDnn.describe(z), pd.dst_desc(), weights.end, false);
            bias = withBias ? new memory(pd.bias_desc(), context.engine, (Pointer) null) : null;
        }

        void run(OneDnn.Context context, INDArray x, INDArray w, INDArray b, INDArray z) {
            context.reserve(dst.end);
            args.put(DNNL_ARG_SRC, src.bindInput(context, x));
            args.put(DNNL_ARG_WEIGHTS, weights.bindInput(context, w));
            args.put(DNNL_ARG_DST, dst.bindOutput(context, z));
            if (bias != null) {
                bias.set_data_handle(b.data().addressPointer());
                args.put(DNNL_ARG_BIAS, bias);
            }
            primitive.execute(context.stream, args);
            dst.finishOutput(context);
            context.stream._wait();
        }
    }

    /** The backward pass's primitives and operands for one shape and layout. */
    private static final class Backward {
        private final convolution_backward_data data;
        private final convolution_backward_weights weights;
        private final Operand src, wei, diffDstData, diffDstWeights, diffSrc, diffWeights;
        private final memory diffBias;
        /** The scratch memory both halves take: the output gradient's buffer, then either half's own after it. */
        private final long scratchBytes;
        private final IntMemoryMap dataArgs = new IntMemoryMap(), weightArgs = new IntMemoryMap();

        Backward(OneDnn.Context context, Shape shape, INDArray x, INDArray w, INDArray delta, INDArray gradInput, INDArray gradWeights,
                 boolean withBias) {
            convolution_forward.primitive_desc hint = forwardDescriptor(context, shape, withBias);
            convolution_backward_weights.desc weightsDesc = withBias
                    ? new convolution_backward_weights.desc(algorithm.convolution_direct, OneDnn.any(shape.input()), OneDnn.any(shape.weights()),
                            shape.bias(), OneDnn.any(shape.output()), shape.strides(), shape.dilations(), shape.padBefore(), shape.padAfter())
                    : new convolution_backward_weights.desc(algorithm.convolution_direct, OneDnn.any(shape.input()), OneDnn.any(shape.weights()),
                            OneDnn.any(shape.output()), shape.strides(), shape.dilations(), shape.padBefore(), shape.padAfter());
            convolution_backward_weights.primitive_desc weightsPd = new convolution_backward_weights.primitive_desc(weightsDesc,
                    context.engine, hint);
            weights = new convolution_backward_weights(weightsPd);
            // the output gradient's buffer lives through both halves; each half's other buffers come after it, the
            // weight half's in the memory the data half has finished with
            diffDstWeights = new Operand(context, OneDnn.describe(delta), weightsPd.diff_dst_desc(), 0, true);
            src = new Operand(context, OneDnn.describe(x), weightsPd.src_desc(), diffDstWeights.end, true);
            diffWeights = new Operand(context, OneDnn.describe(gradWeights), weightsPd.diff_weights_desc(), src.end, false);
            diffBias = withBias ? new memory(weightsPd.diff_bias_desc(), context.engine, (Pointer) null) : null;
            if (gradInput == null) {
                data = null;
                wei = diffDstData = diffSrc = null;
                scratchBytes = diffWeights.end;
                return;
            }
            convolution_backward_data.primitive_desc dataPd = new convolution_backward_data.primitive_desc(
                    new convolution_backward_data.desc(algorithm.convolution_direct, OneDnn.any(shape.input()), OneDnn.any(shape.weights()),
                            OneDnn.any(shape.output()), shape.strides(), shape.dilations(), shape.padBefore(), shape.padAfter()),
                    context.engine, hint);
            data = new convolution_backward_data(dataPd);
            // the output gradient is copied once when both halves want it in the same layout
            diffDstData = dataPd.diff_dst_desc().equals(weightsPd.diff_dst_desc()) ? null
                    : new Operand(context, OneDnn.describe(delta), dataPd.diff_dst_desc(), diffDstWeights.end, true);
            wei = new Operand(context, OneDnn.describe(w), dataPd.weights_desc(), diffDstData == null ? diffDstWeights.end : diffDstData.end, true);
            diffSrc = new Operand(context, OneDnn.describe(gradInput), dataPd.diff_src_desc(), wei.end, false);
            scratchBytes = Math.max(diffWeights.end, diffSrc.end);
        }

        void run(OneDnn.Context context, INDArray x, INDArray w, INDArray delta, INDArray gradInput, INDArray gradWeights, INDArray gradBias) {
            context.reserve(scratchBytes);
            memory diffDst = diffDstWeights.bindInput(context, delta);
            if (data != null) {
                dataArgs.put(DNNL_ARG_DIFF_DST, diffDstData == null ? diffDst : diffDstData.bindInput(context, delta));
                dataArgs.put(DNNL_ARG_WEIGHTS, wei.bindInput(context, w));
                dataArgs.put(DNNL_ARG_DIFF_SRC, diffSrc.bindOutput(context, gradInput));
                data.execute(context.stream, dataArgs);
                diffSrc.finishOutput(context);
            }
            weightArgs.put(DNNL_ARG_SRC, src.bindInput(context, x));
            weightArgs.put(DNNL_ARG_DIFF_DST, diffDst);
            weightArgs.put(DNNL_ARG_DIFF_WEIGHTS, diffWeights.bindOutput(context, gradWeights));
            if (diffBias != null) {
                diffBias.set_data_handle(gradBias.data().addressPointer());
                weightArgs.put(DNNL_ARG_DIFF_BIAS, diffBias);
            }
            weights.execute(context.stream, weightArgs);
            diffWeights.finishOutput(context);
            context.stream._wait();
        }
    }
}
