package org.repro4j.models;

import java.lang.ref.WeakReference;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.HostArrays;

/**
 * Max pooling over non-overlapping k x k windows (kernel = stride, no padding, NCHW) for the CPU: float arrays in C
 * order through oneDNN ({@link OneDnnPool}) where it is available, else as Java loops over each image plane; every other
 * pooling goes to libnd4j's ops ({@link MKLDNNSubsamplingHelper}). The forward pass
 * takes each window's first largest input in row-major order; the backward pass gives the window's gradient to that
 * input (as the forward pass on the same input array chose it, else found again), and zero to the others (the max's
 * subgradient, as libnd4j chooses it: the same values to the bit, a test).
 *
 * <p>Why: libnd4j's {@code maxpool2d_bp} took 18% of a conv net's train step and {@code maxpool2d} 9% (2x2 pooling
 * of 128 x 8 x 28 x 28 floats; a profile of {@code conv_step_b128}). DL4J M2.1 asks a helper for the backward pass
 * only; {@link MaxPoolLayer} asks it for the forward one ({@link #forward}).
 */
final class MaxPoolLoops extends MKLDNNSubsamplingHelper {

    /** Forward and backward passes done here; backward passes that took the forward pass's choices (for tests). */
    long passes, reused;
    /** The input of the last forward pass here, and the index in its plane of each window's first largest element. */
    private WeakReference<INDArray> lastInput = new WeakReference<>(null);
    private int[] lastArgmax;
    /** The choices of the last forward pass through oneDNN ({@link OneDnnPool}). */
    private final OneDnnPool.Choices choices = new OneDnnPool.Choices();

    /** Whether float arrays go to oneDNN ({@link OneDnnPool}) where it takes them; false for tests of the loops. */
    private final boolean throughOneDnn;

    MaxPoolLoops(DataType dataType) {
        this(dataType, true);
    }

    MaxPoolLoops(DataType dataType, boolean throughOneDnn) {
        super(dataType);
        this.throughOneDnn = throughOneDnn;
    }

    /** The window side k if this pooling is one the loops do, else 0. */
    private static int window(INDArray input, int[] kernel, int[] strides, int[] pad, PoolingType type, ConvolutionMode mode,
                              int[] dilation, CNN2DFormat format) {
        int k = kernel[0];
        boolean simple = type == PoolingType.MAX && format == CNN2DFormat.NCHW && input.rank() == 4
                && kernel[1] == k && strides[0] == k && strides[1] == k && dilation[0] == 1 && dilation[1] == 1
                && (input.dataType() == DataType.FLOAT || input.dataType() == DataType.DOUBLE) && HostArrays.inCOrder(input);
        if (!simple || input.size(2) % k != 0 || input.size(3) % k != 0) {
            return 0;
        }
        // Truncate and Same both pool whole windows from the top left when k divides the image
        boolean noPadding = mode == ConvolutionMode.Same || pad[0] == 0 && pad[1] == 0;
        return noPadding && (mode == ConvolutionMode.Same || mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict) ? k : 0;
    }

    /**
     * The max pooling of {@code input} by the loops (each window's first largest input), or null if they do not do
     * this pooling (then libnd4j's op does, in {@link MaxPoolLayer}).
     */
    INDArray forward(INDArray input, int[] kernel, int[] strides, int[] pad, PoolingType poolingType, ConvolutionMode convolutionMode,
                     int[] dilation, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        int k = window(input, kernel, strides, pad, poolingType, convolutionMode, dilation, format);
        if (k == 0) {
            return null;
        }
        int planes = (int) (input.size(0) * input.size(1)), h = (int) input.size(2), w = (int) input.size(3);
        INDArray output = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(),
                new long[] {input.size(0), input.size(1), h / k, w / k}, 'c');
        if (throughOneDnn && OneDnnPool.takes(input)) {
            OneDnnPool.forward(input, k, output, choices);
            passes++;
            return output;
        }
        int oh = h / k, ow = w / k;
        int[] argmax = lastArgmax != null && lastArgmax.length == planes * oh * ow ? lastArgmax : new int[planes * oh * ow];
        if (k == 2 && input.dataType() == DataType.FLOAT) {
            pool2x2(HostArrays.floatBits(input), HostArrays.floatBits(output), planes, h, w, argmax);
        } else {
            Planes in = new Planes(input, h * w), out = new Planes(output, oh * ow);
            double[] plane = new double[h * w], pooled = new double[oh * ow];
            for (int p = 0, window = 0; p < planes; p++) {
                in.read(p, plane);
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++, window++) {
                        int at = argmax(plane, i * k * w + j * k, w, k);
                        argmax[window] = at;
                        pooled[i * ow + j] = plane[at];
                    }
                }
                out.write(p, pooled);
            }
        }
        lastInput = new WeakReference<>(input);
        lastArgmax = argmax;
        passes++;
        return output;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, int[] kernel, int[] strides, int[] pad,
                                                     PoolingType poolingType, ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        int k = window(input, kernel, strides, pad, poolingType, convolutionMode, dilation, format);
        if (k == 0 || epsilon.dataType() != input.dataType() || !HostArrays.inCOrder(epsilon)) {
            return super.backpropGradient(input, epsilon, kernel, strides, pad, poolingType, convolutionMode, dilation, format,
                    workspaceMgr);
        }
        int planes = (int) (input.size(0) * input.size(1)), h = (int) input.size(2), w = (int) input.size(3);
        INDArray gradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
        if (throughOneDnn && OneDnnPool.takes(input)) {
            // the forward pass's choices if it pooled this input, else found again
            if (choices.madeFor(input)) {
                reused++;
            } else {
                OneDnnPool.forward(input, k, workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, input.dataType(),
                        new long[] {input.size(0), input.size(1), h / k, w / k}, 'c'), choices);
            }
            OneDnnPool.backward(epsilon, k, gradient, choices);
            choices.forget();
            passes++;
            return new Pair<>(new DefaultGradient(), gradient);
        }
        int oh = h / k, ow = w / k;
        Planes in = new Planes(input, h * w), eps = new Planes(epsilon, oh * ow), out = new Planes(gradient, h * w);
        double[] plane = new double[h * w], incoming = new double[oh * ow], routed = new double[h * w];
        // the forward pass's choices if it pooled this input, else found again
        int[] argmax = input == lastInput.get() && lastArgmax.length == planes * oh * ow ? lastArgmax : null;
        lastInput = new WeakReference<>(null);
        for (int p = 0, window = 0; p < planes; p++) {
            if (argmax == null) {
                in.read(p, plane);
            }
            eps.read(p, incoming);
            Arrays.fill(routed, 0);
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++, window++) {
                    routed[argmax != null ? argmax[window] : argmax(plane, i * k * w + j * k, w, k)] = incoming[i * ow + j];
                }
            }
            out.write(p, routed);
        }
        passes++;
        if (argmax != null) {
            reused++;
        }
        return new Pair<>(new DefaultGradient(), gradient);
    }

    /**
     * 2 x 2 max pooling of float planes of h x w (even) on the values' bits: each window's choice into {@code argmax} (its
     * index in the plane) and the chosen value's bits into {@code out}, the same as {@link #argmax} chooses.
     *
     * <p>Why: in {@link #argmax} each comparison is a branch that the data decide (a ReLU's output is zero about half the
     * time), and mispredicted branches made the forward pass most of the pooling's time (2.4 ms of a 15 ms conv train
     * step). Here one vectorised pass gives each value an integer key in the floats' order, and each window's first
     * largest key is found by integer arithmetic without branches. Keys: |x|'s bits, negated for negative x, so that -0
     * and +0 tie as the floats do; NaN gets the least key, so it is never larger than a later value (x > NaN is false),
     * and a NaN first in its window is chosen, as {@code NaN > x} never moves the choice away from it.
     */
    private static void pool2x2(IntBuffer in, IntBuffer out, int planes, int h, int w, int[] argmax) {
        int oh = h / 2, ow = w / 2, size = h * w;
        int[] bits = new int[size], keys = new int[size], pooled = new int[oh * ow];
        for (int p = 0, window = 0; p < planes; p++) {
            in.get(p * size, bits);
            for (int i = 0; i < size; i++) {
                int b = bits[i], magnitude = b & 0x7fffffff, sign = b >> 31;
                int nan = (0x7f800000 - magnitude) >> 31;
                keys[i] = (((magnitude ^ sign) - sign) & ~nan) | (Integer.MIN_VALUE & nan);
            }
            for (int i = 0; i < oh; i++) {
                for (int j = 0, first = 2 * i * w; j < ow; j++, window++, first += 2) {
                    int at = firstLargest(keys, first, w);
                    argmax[window] = at;
                    pooled[i * ow + j] = bits[at];
                }
            }
            out.put(p * oh * ow, pooled);
        }
    }

    /** The index of the first largest key of the 2 x 2 window at {@code a} (width w), in row-major order; a NaN's key first wins. */
    private static int firstLargest(int[] keys, int a, int w) {
        int best = keys[a];
        if (best == Integer.MIN_VALUE) {
            return a;
        }
        int at = a, b = a + 1, c = a + w, d = c + 1;
        // larger: all ones when the key is larger than best (in 64 bits, where the difference cannot overflow), else zero
        int key = keys[b], larger = (int) (((long) best - key) >> 63);
        best += (key - best) & larger;
        at += (b - at) & larger;
        key = keys[c];
        larger = (int) (((long) best - key) >> 63);
        best += (key - best) & larger;
        at += (c - at) & larger;
        key = keys[d];
        larger = (int) (((long) best - key) >> 63);
        return at + ((d - at) & larger);
    }

    /** The index in a plane of width w of the first largest element, in row-major order, of the k x k window at {@code first}. */
    private static int argmax(double[] plane, int first, int w, int k) {
        int at = first;
        for (int di = 0; di < k; di++) {
            for (int dj = 0; dj < k; dj++) {
                if (plane[first + di * w + dj] > plane[at]) {
                    at = first + di * w + dj;
                }
            }
        }
        return at;
    }

    /**
     * A float or double array in C order read and written one plane of {@code size} elements at a time as doubles
     * (floats widen and narrow back exactly, so the loops give the array's own values).
     */
    private static final class Planes {

        private final int size;
        private final FloatBuffer floats;
        private final DoubleBuffer doubles;
        private final float[] scratch;

        Planes(INDArray a, int size) {
            this.size = size;
            boolean isFloat = a.dataType() == DataType.FLOAT;
            this.floats = isFloat ? HostArrays.floats(a) : null;
            this.doubles = isFloat ? null : HostArrays.doubles(a);
            this.scratch = isFloat ? new float[size] : null;
        }

        void read(int plane, double[] into) {
            if (floats == null) {
                doubles.get(plane * size, into);
                return;
            }
            floats.get(plane * size, scratch);
            for (int i = 0; i < size; i++) {
                into[i] = scratch[i];
            }
        }

        void write(int plane, double[] from) {
            if (floats == null) {
                doubles.put(plane * size, from);
                return;
            }
            for (int i = 0; i < size; i++) {
                scratch[i] = (float) from[i];
            }
            floats.put(plane * size, scratch);
        }
    }
}
