package org.repro4j.models;

import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.util.Arrays;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.nd4j.common.primitives.Pair;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.HostArrays;

/**
 * Routes a network's 2-D convolutions through oneDNN ({@link OneDnnConv}; where its natives are missing, or for a
 * shape it does not take, libnd4j's own {@code conv2d} / {@code conv2d_bp} ops) and its poolings through {@link
 * MaxPoolLoops} and libnd4j's {@code maxpool2d}, instead of DL4J's Java im2col + GEMM path.
 *
 * <p>Why: DL4J 1.0.0-M2.1 computes a {@code ConvolutionLayer} by {@code Convolution.im2col} into a
 * permuted column layout followed by a GEMM; on the CPU that layout makes im2col the bottleneck
 * (measured: 330 ms a fit() of a small conv net at batch 60). DL4J also has "helpers" that call
 * libnd4j's native ops ({@code MKLDNNConvHelper}, {@code MKLDNNSubsamplingHelper}; despite the
 * names they run with or without oneDNN in the native library), but in M2.1 they are never
 * created: helper creation is off unless {@code org.eclipse.deeplearning4j.helpers.disable=false},
 * and even then {@code BaseMKLDNNHelper.mklDnnEnabled()} looks up the class {@code
 * org.nd4j.nativeblas.Nd4jCpu$Environment}, which M2.1 moved to another package, so the check
 * fails. This class installs helpers directly into the layers: for the convolutions its own, which calls {@link
 * OneDnnConv}. The layers fall back to their built-in path by themselves if a helper throws.
 *
 * <p>It also spares the backward pass a convolution. DL4J's {@code ConvolutionLayer.backpropGradient}
 * computes the layer's pre-activation z again (a second forward convolution, 13% of a U-Net train step)
 * only to pass it to the activation's derivative. For the identity and the plain ReLU that derivative
 * is the same from the forward pass's output relu(z) (which the layer computed in place of z): relu(z) > 0
 * exactly where z > 0. So the installed helper gives the backward pass the output of the forward pass
 * on the same input and weights, when it is still there, and the values stay the same to the bit (a test). Not in a
 * network with a dropout other than plain dropout (see {@link #install}).
 *
 * <p>The backward pass of a max pooling over non-overlapping windows runs as Java loops ({@link MaxPoolLoops}),
 * other poolings' through libnd4j's ops.
 *
 * <p>It acts on the CPU backend only (on CUDA, DL4J's cuDNN helpers are the route) and on one
 * network instance: call it again on a clone or on a network restored from a file.
 */
public final class NativeConv {

    /** System property: set to {@code false} to keep DL4J's built-in path (for comparisons). */
    public static final String PROPERTY = "repro4j.nativeConv";

    private NativeConv() {
    }

    /** Whether {@link #install} does anything here: the CPU backend, and not switched off by {@value #PROPERTY}. */
    public static boolean enabled() {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
            return false;
        }
        String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend");
        return "CPU".equalsIgnoreCase(backend);
    }

    /**
     * Installs the native helpers into every convolution and subsampling layer of {@code net} that has none,
     * and returns {@code net}.
     */
    public static <M extends Model> M install(M net) {
        if (!enabled()) {
            return net;
        }
        Layer[] layers = net instanceof MultiLayerNetwork m ? m.getLayers()
                : net instanceof ComputationGraph g ? g.getLayers() : new Layer[0];
        // DL4J applies a layer's dropout in place on the previous layer's output: plain dropout (0, or a positive
        // scale) leaves the ReLU's derivative where the gradient is not zero; a Gaussian dropout or noise may not
        boolean plainDropout = Arrays.stream(layers).map(l -> l.conf().getLayer().getIDropout()).allMatch(d -> d == null || d instanceof Dropout);
        for (Layer layer : layers) {
            if (layer instanceof ConvolutionLayer conv && (conv.getClass() == ConvolutionLayer.class || conv instanceof ReluConvolutionLayer)) {
                boolean first = net instanceof MultiLayerNetwork ? layer == layers[0] : readsOnlyInputs((ComputationGraph) net, layer);
                set(ConvolutionLayer.class, conv, new ConvHelper(conv.getParam("W").dataType(),
                        plainDropout ? conv.layerConf().getActivationFn() : null, first));
            } else if (layer instanceof SubsamplingLayer pool && (pool.getClass() == SubsamplingLayer.class || pool instanceof MaxPoolLayer)
                    && pool.layerConf().getPoolingType() != PoolingType.PNORM) {
                set(SubsamplingLayer.class, pool, new MaxPoolLoops(net.params().dataType()));
            }
        }
        return net;
    }

    /** Whether every input of {@code layer}'s vertex in {@code graph} is one of the network's inputs. */
    private static boolean readsOnlyInputs(ComputationGraph graph, Layer layer) {
        for (GraphVertex vertex : graph.getVertices()) {
            if (vertex.hasLayer() && vertex.getLayer() == layer) {
                VertexIndices[] inputs = vertex.getInputVertices();
                return inputs != null && Arrays.stream(inputs).allMatch(v -> graph.getVertices()[v.getVertexIndex()].isInputVertex());
            }
        }
        return false;
    }

    private static void set(Class<?> type, Object layer, Object helper) {
        try {
            Field field = type.getDeclaredField("helper");
            field.setAccessible(true);
            if (field.get(layer) == null) {
                field.set(layer, helper);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // an unexpected DL4J version: keep the built-in path, which is correct, only slower
        }
    }

    /** DL4J's native convolution helper, which hands the backward pass the forward pass's output (see the class comment). */
    static final class ConvHelper extends MKLDNNConvHelper {

        /** Whether the activation's derivative is the same computed from its output as from z. */
        private final boolean outputServesBackprop;
        private WeakReference<INDArray> lastInput = new WeakReference<>(null);
        private WeakReference<INDArray> lastWeights = new WeakReference<>(null);
        private WeakReference<INDArray> lastOutput = new WeakReference<>(null);
        /** Whether the layer reads only the network's input, whose gradient training drops (a {@link MultiLayerNetwork}'s first layer). */
        private final boolean first;
        /** Backward passes that used the forward pass's output; that computed the weight gradients alone. */
        long reused, weightsOnly;

        /**
         * @param activation the layer's activation; null never hands the forward output on
         * @param first      whether the layer reads only the network's input: then its training's backward
         *                   passes compute only the weight and bias gradients ({@link OneDnnConv}, else {@link WeightGradients})
         */
        ConvHelper(DataType dataType, IActivation activation, boolean first) {
            super(dataType);
            this.first = first;
            // a ReLU with a maximum, threshold or slope is not recoverable from its output in general
            this.outputServesBackprop = activation instanceof ActivationIdentity || new ActivationReLU().equals(activation);
        }

        @Override
        public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
                                  AlgoMode mode, FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation,
                                  CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
            INDArray output = lastOutput.get();
            if (output != null && input == lastInput.get() && weights == lastWeights.get()
                    // the layer's backward pass (backpropGradient -> preOutput4d -> preOutput -> here), not its forward one
                    && Callers.calledFrom(ConvolutionLayer.class, "backpropGradient", 3)) {
                lastOutput = new WeakReference<>(null);
                reused++;
                return output;
            }
            output = direct(input, weights, bias, kernel, strides, pad, convolutionMode, dilation, format, workspaceMgr);
            if (output == null) {
                output = super.preOutput(input, weights, bias, kernel, strides, pad, mode, fwdAlgo, convolutionMode, dilation, format,
                        workspaceMgr);
            }
            if (outputServesBackprop && output != null) {
                lastInput = new WeakReference<>(input);
                lastWeights = new WeakReference<>(weights);
                lastOutput = new WeakReference<>(output);
            }
            return output;
        }

        /** The forward pass by {@link OneDnnConv}, or null where it does not apply. */
        private static INDArray direct(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
                                       ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
            OneDnnConv.Shape shape = shape(input, weights, kernel, strides, pad, convolutionMode, dilation, format);
            if (shape == null || !OneDnnConv.takes(shape, input, weights, bias)) {
                return null;
            }
            INDArray output = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, shape.output(), 'c');
            OneDnnConv.forward(shape, input, weights, bias, output);
            return output;
        }

        /**
         * An NCHW convolution's shape as DL4J's helper computes it (the output size and, in Same mode, the top-left padding),
         * or null for another format.
         */
        private static OneDnnConv.Shape shape(INDArray input, INDArray weights, int[] kernel, int[] strides, int[] pad,
                                              ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format) {
            if (format != CNN2DFormat.NCHW || input.rank() != 4 || weights.rank() != 4) {
                return null;
            }
            int h = (int) input.size(2), w = (int) input.size(3);
            int[] out = ConvolutionUtils.getOutputSize(input, kernel, strides, convolutionMode == ConvolutionMode.Same ? null : pad,
                    convolutionMode, dilation, format);
            int[] padding = convolutionMode == ConvolutionMode.Same
                    ? ConvolutionUtils.getSameModeTopLeftPadding(out, new int[] {h, w}, kernel, strides, dilation) : pad;
            return new OneDnnConv.Shape((int) input.size(0), (int) input.size(1), h, w, (int) weights.size(0), kernel[0], kernel[1],
                    out[0], out[1], strides[0], strides[1], dilation[0], dilation[1], padding[0], padding[1]);
        }

        /**
         * The backward pass by {@link OneDnnConv} where it applies, else libnd4j's {@code conv2d_bp}. In training ({@code
         * computeGradientAndScore}, which drops the gradient of the network's input), a layer reading only that input gets its
         * weight and bias gradients alone (by {@link OneDnnConv}, else {@link WeightGradients}) and an input
         * gradient left uninitialised for DL4J to drop.
         */
        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta, int[] kernel,
                                                         int[] strides, int[] pad, INDArray biasGradView, INDArray weightGradView,
                                                         IActivation afn, AlgoMode mode, BwdFilterAlgo bwdFilterAlgo,
                                                         BwdDataAlgo bwdDataAlgo, ConvolutionMode convolutionMode, int[] dilation,
                                                         CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
            // ConvHelper.backpropGradient <- ConvolutionLayer.backpropGradient (<- ReluConvolutionLayer's)
            // <- MultiLayerNetwork.calcBackpropGradients <- computeGradientAndScore, or in a graph
            // <- LayerVertex.doBackward <- ComputationGraph.calcBackpropGradients <- computeGradientAndScore
            boolean weightsOnly = first && (Callers.calledFrom(MultiLayerNetwork.class, "computeGradientAndScore", 4)
                    || Callers.calledFrom(ComputationGraph.class, "computeGradientAndScore", 5));
            OneDnnConv.Shape shape = shape(input, weights, kernel, strides, pad, convolutionMode, dilation, format);
            INDArray gradInput = null;
            if (shape != null && OneDnnConv.takes(shape, input, weights, delta, weightGradView, biasGradView)
                    && HostArrays.inCOrder(weightGradView) && (biasGradView == null || HostArrays.contiguous(biasGradView))) {
                gradInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
                OneDnnConv.backward(shape, input, weights, delta, weightsOnly ? null : gradInput, weightGradView, biasGradView);
            } else if (weightsOnly && WeightGradients.compute(input, delta, kernel, strides, pad, dilation, convolutionMode, format,
                    weightGradView, biasGradView, workspaceMgr)) {
                gradInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
            }
            if (gradInput == null) {
                return super.backpropGradient(input, weights, bias, delta, kernel, strides, pad, biasGradView, weightGradView, afn, mode,
                        bwdFilterAlgo, bwdDataAlgo, convolutionMode, dilation, format, workspaceMgr);
            }
            if (weightsOnly) {
                this.weightsOnly++;
            }
            Gradient gradient = new DefaultGradient();
            if (biasGradView != null) {
                gradient.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
            }
            gradient.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView);
            return new Pair<>(gradient, gradInput);
        }
    }
}
