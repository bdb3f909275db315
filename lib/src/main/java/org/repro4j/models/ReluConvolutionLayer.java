package org.repro4j.models;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's convolution layer with a plain ReLU whose backward pass takes the ReLU's derivative from {@link Relu}: DL4J
 * 1.0.0-M2.1's {@code ConvolutionLayer.backpropGradient} asks the configuration's activation for it and offers no
 * other hook, so for the length of that call the configuration's activation is {@link Relu.Backprop}, the same ReLU
 * with the faster backward pass, and then DL4J's own again (whatever happens in the call: the configuration, which
 * the network saves, never keeps it). The same values to the bit (a test). {@link FastLayers#install} swaps it in.
 */
final class ReluConvolutionLayer extends ConvolutionLayer {

    private static final Relu.Backprop BACKPROP = new Relu.Backprop();

    /** This layer in place of {@code old}, on its configuration, parameters, gradient views and listeners. */
    static ReluConvolutionLayer of(ConvolutionLayer old) {
        return FastLayers.onParametersOf(old, new ReluConvolutionLayer(old));
    }

    private ReluConvolutionLayer(ConvolutionLayer old) {
        super(old.conf(), old.getParam("W").dataType());
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        var layer = layerConf();
        IActivation configured = layer.getActivationFn();
        // another thread's backward pass through the same configuration may have lent it already: then it stays as it is
        if (!Relu.plain(configured)) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        layer.setActivationFn(BACKPROP);
        try {
            return super.backpropGradient(epsilon, workspaceMgr);
        } finally {
            layer.setActivationFn(configured);
        }
    }
}
