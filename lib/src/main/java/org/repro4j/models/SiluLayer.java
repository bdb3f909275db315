package org.repro4j.models;

import java.util.Arrays;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationSwish;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's activation layer for SiLU, a = z sigma(z) (Elfwing, Uchibe and Doya 2018, eq. 4), with {@link Silu}'s passes
 * (oneDNN's swish, or sigma from a vectorised tanh kept for the backward pass's loop, dL/dz = dL/da sigma(z) (1 + z (1 -
 * sigma(z))), eq. 5). DL4J's {@code ActivationSwish} copies z in both
 * passes, runs libnd4j's scalar {@code Swish} and {@code SwishDerivative} (two {@code pow} calls an element, NaN above
 * z = 44.4 in float). Activations and gradients agree with DL4J's to float rounding (tests). On the diffusion U-Net,
 * DL4J's SiLU layers were 15% of a train step. {@link FastLayers#install} swaps it in for a layer with DL4J's
 * {@code Activation.SWISH}; the network's configuration is unchanged.
 */
final class SiluLayer extends ActivationLayer {

    /** System property: {@code false} keeps DL4J's activation layers. */
    static final String PROPERTY = "repro4j.siluLayer";

    /** The input of the last training forward pass and sigma of it (null where oneDNN works from the input), which its backward pass reuses (once). */
    private INDArray savedInput;
    private INDArray savedSigmoid;

    /** This layer in place of {@code old}, which has no parameters, with its listeners. */
    SiluLayer(ActivationLayer old) {
        super(old.conf(), old.getDataType());
        setListeners(old.getListeners());
        setIndex(old.getIndex());
    }

    /** Whether {@code layer} is DL4J's own activation layer with DL4J's SiLU. */
    static boolean replaces(org.deeplearning4j.nn.api.Layer layer) {
        return layer.getClass() == ActivationLayer.class
                && ((ActivationLayer) layer).layerConf().getActivationFn().getClass() == ActivationSwish.class;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        savedInput = null;
        savedSigmoid = null;
        if (training) {
            Silu.Forward pass = Silu.forward(input, ArrayType.ACTIVATIONS, workspaceMgr);
            savedInput = input;
            savedSigmoid = pass.sigmoid();
            return pass.activation();
        }
        return Silu.activation(input, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (!Arrays.equals(epsilon.shape(), input.shape())) {
            throw new IllegalStateException(layerId() + ": expected dL/da of the input's shape " + Arrays.toString(input.shape())
                    + ", got " + Arrays.toString(epsilon.shape()));
        }
        INDArray sigmoid = savedInput == input ? savedSigmoid : null;
        savedInput = null;
        savedSigmoid = null;
        // in the gradients' workspace, as the graph wants dL/dz (a saved sigma is in the activations' one)
        INDArray delta = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), epsilon.shape(), epsilon.ordering());
        if (sigmoid == null && !Silu.fromInput(input, epsilon, delta)) {
            sigmoid = Silu.sigmoid(input, ArrayType.ACTIVATION_GRAD, workspaceMgr);
        }
        return new Pair<>(new DefaultGradient(), Silu.backprop(input, sigmoid, epsilon, delta));
    }
}
