package org.repro4j.models;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSwish;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.HostArrays;

/**
 * DL4J's dense layer with a backward pass that does no matrix product it does not need.
 *
 * <p>DL4J 1.0.0-M2.1's {@code BaseLayer.backpropGradient} computes the layer's pre-activation
 * z = xW + b a second time (one more forward matrix product) only to pass it to the activation's derivative,
 * and it always computes the gradient with respect to the layer's input, dL/dx = delta W^T, which
 * {@code MultiLayerNetwork.computeGradientAndScore} throws away for the first layer. For LeNet-300-100 the two
 * are 3 x 235k of the step's 4 x 266k multiply-adds a row that DL4J does against PyTorch's 2 x 235k + 3 x 31k
 * (backpropagation as in Rumelhart, Hinton and Williams 1986: delta = f'(z) * dL/da, dL/dW = x^T delta,
 * dL/db = sum of delta's rows, dL/dx = delta W^T).
 *
 * <p>This layer keeps a copy of z from the training forward pass on the same input (the activation overwrites
 * z in place) and gives it to the backward pass, and the first layer of a network skips dL/dx when the caller is
 * {@code computeGradientAndScore} (the fit path; {@code backpropGradient} and {@code calculateGradients}, which
 * return the input's gradient, still get it). The products go through {@link Gemm} (oneDNN's sgemm), and a SiLU
 * activation's passes through {@link Silu}: the parameters agree with DL4J's to float rounding (tests). Layer norm and
 * weight noise keep DL4J's path (z is not recoverable from the forward pass there, or the noise is drawn again).
 *
 * <p>Layouts: z is computed into a column-major array and kept row-major, the order of the gradient it meets in the
 * backward pass ({@link HostArrays#copy}); ND4J's element-wise ops between the two orders are an order of magnitude
 * slower. Column-major z: through ND4J's GEMM (column-major) DL4J's row-major z cost a temporary and a copy; through
 * oneDNN a DDIM sampling of 10,000 points with a 3x256 MLP took 0.91 s with it and 1.06 s with a row-major z.
 *
 * <p>{@link FastLayers#install} swaps it in for the dense layers of a {@link MultiLayerNetwork} or a graph; {@value #PROPERTY}
 * {@code =false} keeps DL4J's.
 */
public final class ReusingDense extends DenseLayer {

    /** System property: set to {@code false} to keep DL4J's dense layers (for comparisons). */
    public static final String PROPERTY = "repro4j.reusingDense";

    /** Whether dL/dx may be skipped: the network's first layer, with no input preprocessor. */
    private final boolean first;
    private INDArray savedInput;
    private INDArray savedZ;
    /** sigma(z) of a SiLU layer's training forward pass (see {@link Silu}); null for other activations and where oneDNN works from z. */
    private INDArray savedSigmoid;
    /** Backward passes that used the forward pass's z; backward passes that skipped dL/dx. */
    long reused, skipped;

    private ReusingDense(NeuralNetConfiguration conf, DataType dataType, boolean first) {
        super(conf, dataType);
        this.first = first;
    }

    /**
     * This layer in place of {@code old}, on its parameters, gradient views and listeners; {@code first}: the network's
     * first layer, with no input preprocessor ({@link FastLayers#install} swaps it in).
     */
    static ReusingDense of(DenseLayer old, boolean first) {
        var dataType = old.getParam(DefaultParamInitializer.WEIGHT_KEY).dataType();
        return FastLayers.onParametersOf(old, new ReusingDense(old.conf(), dataType, first));
    }

    /** Whether this class computes the layer: no layer norm (its z is normalised in place) and no weight noise (drawn on each call). */
    private boolean reusable() {
        return !hasLayerNorm() && layerConf().getWeightNoise() == null;
    }

    /**
     * z = xW + b as DL4J computes it, but into a column-major array: DL4J asks for a row-major one, which ND4J's
     * GEMM (column-major) fills through a temporary and a copy (22% of a DDIM sampling step of a 3x256 MLP).
     */
    @Override
    protected Pair<INDArray, INDArray> preOutputWithPreNorm(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
        if (!reusable() || input == null || input.rank() != 2 || input.columns() != w.rows()) {
            return super.preOutputWithPreNorm(training, forBackprop, workspaceMgr); // DL4J's path and its errors
        }
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray z = Gemm.affine(input, w, hasBias() ? getParam(DefaultParamInitializer.BIAS_KEY) : null, workspaceMgr);
        if (maskArray != null) {
            applyMask(z);
        }
        return new Pair<>(z, z);
    }

    /** Whether the activation is DL4J's SiLU, which {@link Silu} computes. */
    private boolean silu() {
        return layerConf().getActivationFn().getClass() == ActivationSwish.class;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!reusable()) {
            return super.activate(training, workspaceMgr);
        }
        if (!training) {
            INDArray z = preOutput(false, workspaceMgr);
            INDArray a = silu() ? Silu.activation(z, workspaceMgr) : layerConf().getActivationFn().getActivation(z, false);
            if (maskArray != null) {
                applyMask(a);
            }
            return a;
        }
        INDArray z = preOutput(true, workspaceMgr);
        savedInput = input;
        // row-major, the order of the gradient the backward pass multiplies it with (ND4J's ops between orders are slow)
        savedZ = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, z.dataType(), z.shape(), 'c');
        HostArrays.copy(z, savedZ);
        INDArray a;
        if (silu()) {
            Silu.Forward pass = Silu.forward(savedZ, ArrayType.ACTIVATIONS, workspaceMgr);
            savedSigmoid = pass.sigmoid();
            a = pass.activation();
        } else {
            a = layerConf().getActivationFn().getActivation(z, true);
        }
        if (maskArray != null) {
            applyMask(a);
        }
        return a;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        INDArray z = savedZ;
        INDArray sigmoid = savedSigmoid;
        boolean saved = z != null && savedInput == input;
        savedZ = null;
        savedSigmoid = null;
        savedInput = null;
        if (!saved || !reusable()) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        reused++;
        IActivation activation = layerConf().getActivationFn();
        INDArray delta = silu() ? siluBackprop(z, sigmoid, epsilon, workspaceMgr)
                : Relu.enabled() && Relu.plain(activation) ? Relu.backprop(z, epsilon) : activation.backprop(z, epsilon).getFirst();
        if (maskArray != null) {
            applyMask(delta);
        }
        Gradient gradient = new DefaultGradient();
        if (hasBias()) {
            INDArray biasGrad = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
            ColumnSums.of(delta, biasGrad);
            gradient.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, biasGrad);
        }
        INDArray epsilonNext = null;
        // MultiLayerNetwork.computeGradientAndScore (the fit path) drops the input's gradient
        if (!(first && Callers.calledFrom(MultiLayerNetwork.class, "computeGradientAndScore", 3))) {
            epsilonNext = backpropDropOutIfPresent(Gemm.inputGradient(getParam(DefaultParamInitializer.WEIGHT_KEY), delta, workspaceMgr));
        } else {
            skipped++;
        }
        INDArray weightGrad = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
        Gemm.weightGradient(input, delta, weightGrad);
        gradient.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGrad);
        return new Pair<>(gradient, epsilonNext);
    }

    /**
     * dL/dz of the SiLU from the saved z and sigma(z) (written into sigma's array), or where the forward pass kept no sigma
     * (oneDNN's swish) from z alone into a new array of the backward pass's working memory.
     */
    private static INDArray siluBackprop(INDArray z, INDArray sigmoid, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (sigmoid != null) {
            return Silu.backprop(z, sigmoid, epsilon, sigmoid);
        }
        INDArray delta = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, epsilon.dataType(), epsilon.shape(), epsilon.ordering());
        return Silu.backprop(z, Silu.fromInput(z, epsilon, delta) ? null : Silu.sigmoid(z, ArrayType.BP_WORKING_MEM, workspaceMgr), epsilon, delta);
    }
}
