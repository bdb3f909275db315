package org.repro4j.models;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's output layer that computes its pre-activation z = xW + b once a training step instead of twice.
 *
 * <p>DL4J 1.0.0-M2.1's {@code MultiLayerNetwork.computeGradientAndScore} asks the output layer for z in its backward
 * pass ({@code getGradientsAndDelta}) and again for the score ({@code computeScore}), on the same input and parameters,
 * between which nothing changes: a matrix product, a bias add and their arrays twice (7% of a LeNet-300-100 step at
 * batch 60, with the loss's softmax). This layer keeps a copy of the z of a training pass (in an array of its own: the
 * backward pass's working memory is recycled before the score) and hands it to the next training call on the same
 * input array, once: the score takes the backward pass's z. DL4J's built-in losses copy z before applying the
 * activation, so the kept z stays as computed; with a loss from elsewhere the layer keeps nothing. A new input drops
 * the kept z. Its matrix products go through {@link Gemm}: the same values as DL4J's to float rounding (a test).
 * {@link FastLayers#install} swaps it in for the output layer of
 * a {@link MultiLayerNetwork}; {@value ReusingDense#PROPERTY}{@code =false} keeps DL4J's, with the dense layers.
 */
final class ReusingOutput extends OutputLayer {

    /** The input of the last training call that computed z, or null; z's copy, in memory this layer keeps. */
    private INDArray keptInput;
    private INDArray keptZ;
    /** Calls that took the kept z (for tests). */
    long reused;

    private ReusingOutput(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** This layer in place of {@code old}, on its parameters, gradient views and listeners. */
    static ReusingOutput of(OutputLayer old) {
        var dataType = old.getParam(DefaultParamInitializer.WEIGHT_KEY).dataType();
        return FastLayers.onParametersOf(old, new ReusingOutput(old.conf(), dataType));
    }

    @Override
    public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        keptInput = null;
        super.setInput(input, workspaceMgr);
    }

    /** z = xW + b through {@link Gemm}; weight noise and inputs DL4J refuses keep DL4J's path (and its errors). */
    @Override
    protected Pair<INDArray, INDArray> preOutputWithPreNorm(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
        if (layerConf().getWeightNoise() != null || input == null || input.rank() != 2 || input.columns() != w.rows()) {
            return super.preOutputWithPreNorm(training, forBackprop, workspaceMgr);
        }
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray z = Gemm.affine(input, w, hasBias() ? getParam(DefaultParamInitializer.BIAS_KEY) : null, workspaceMgr);
        if (maskArray != null) {
            applyMask(z);
        }
        return new Pair<>(z, z);
    }

    /**
     * DL4J's backward pass of an output layer ({@code BaseOutputLayer.backpropGradient} and its {@code
     * getGradientsAndDelta}) with the two matrix products, dL/dW = x^T delta and dL/dx = delta W^T, through {@link Gemm}.
     */
    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (layerConf().getWeightNoise() != null) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        assertInputSet(true);
        INDArray delta = layerConf().getLossFn().computeGradient(getLabels2d(workspaceMgr, ArrayType.BP_WORKING_MEM),
                preOutput2d(true, workspaceMgr), layerConf().getActivationFn(), maskArray);
        Gradient gradient = new DefaultGradient();
        INDArray weightGrad = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
        Gemm.weightGradient(input, delta, weightGrad);
        gradient.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGrad);
        if (hasBias()) {
            INDArray biasGrad = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
            ColumnSums.of(delta, biasGrad);
            gradient.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, biasGrad);
        }
        delta = workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, delta);
        INDArray epsilonNext = Gemm.inputGradient(getParam(DefaultParamInitializer.WEIGHT_KEY), delta, workspaceMgr);
        return new Pair<>(gradient, backpropDropOutIfPresent(epsilonNext));
    }

    @Override
    protected INDArray preOutput2d(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (training && keptInput != null && input == keptInput) {
            keptInput = null;
            reused++;
            return keptZ;
        }
        keptInput = null;
        INDArray z = super.preOutput2d(training, workspaceMgr);
        if (training && layerConf().getLossFn().getClass().getPackageName().equals("org.nd4j.linalg.lossfunctions.impl")) {
            // z is in the backward pass's working memory, which is gone by the time of the score: a copy outside it
            if (keptZ == null || keptZ.dataType() != z.dataType() || !Arrays.equals(keptZ.shape(), z.shape())) {
                try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    keptZ = Nd4j.createUninitialized(z.dataType(), z.shape(), 'c');
                }
            }
            keptZ.assign(z);
            keptInput = input;
        }
        return z;
    }
}
