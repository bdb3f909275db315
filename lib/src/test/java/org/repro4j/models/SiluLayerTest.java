package org.repro4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.diffusion.UNet;
import org.repro4j.optim.FastAdam;

class SiluLayerTest {

    private static final LayerWorkspaceMgr NO_WORKSPACES = LayerWorkspaceMgr.noWorkspaces();

    private static ActivationLayer dl4jLayer(Activation activation) {
        var conf = new NeuralNetConfiguration.Builder()
                .layer(new org.deeplearning4j.nn.conf.layers.ActivationLayer.Builder().activation(activation).build()).build();
        return (ActivationLayer) conf.getLayer().instantiate(conf, null, 0, null, true, DataType.FLOAT);
    }

    @Test
    void bothPassesAreDl4jsToRounding() {
        ActivationLayer dl4j = dl4jLayer(Activation.SWISH);
        SiluLayer ours = new SiluLayer(dl4j);
        Nd4j.getRandom().setSeed(4);
        INDArray z = Nd4j.randn(DataType.FLOAT, 6, 5, 7, 7).muli(6);
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, 6, 5, 7, 7);
        dl4j.setInput(z.dup(), NO_WORKSPACES);
        ours.setInput(z, NO_WORKSPACES);
        INDArray expectedActivation = dl4j.activate(true, NO_WORKSPACES);
        assertTrue(expectedActivation.equalsWithEps(ours.activate(true, NO_WORKSPACES), 1e-5));
        assertEquals(ours.activate(true, NO_WORKSPACES), ours.activate(false, NO_WORKSPACES));
        assertTrue(z.equals(ours.getInput()), "the input is kept for the backward pass");

        INDArray expected = dl4j.backpropGradient(epsilon, NO_WORKSPACES).getSecond();
        INDArray actual = ours.backpropGradient(epsilon, NO_WORKSPACES).getSecond();
        double error = actual.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
        assertTrue(error < 1e-6, "relative error " + error);
        assertEquals(0, ours.backpropGradient(epsilon, NO_WORKSPACES).getFirst().gradientForVariable().size(), "no parameters");
    }

    @Test
    void theBackwardPassIsTheSameWithSigmaFromTheForwardPassOrComputedAnew() {
        SiluLayer ours = new SiluLayer(dl4jLayer(Activation.SWISH));
        Nd4j.getRandom().setSeed(5);
        INDArray z = Nd4j.randn(DataType.FLOAT, 3, 40).muli(4), epsilon = Nd4j.randn(DataType.FLOAT, 3, 40);
        ours.setInput(z, NO_WORKSPACES);
        ours.activate(true, NO_WORKSPACES);
        INDArray saved = ours.backpropGradient(epsilon, NO_WORKSPACES).getSecond();
        INDArray again = ours.backpropGradient(epsilon, NO_WORKSPACES).getSecond();
        ours.activate(false, NO_WORKSPACES);
        INDArray afterInference = ours.backpropGradient(epsilon, NO_WORKSPACES).getSecond();
        ours.activate(true, NO_WORKSPACES);
        ours.setInput(z.dup(), NO_WORKSPACES);
        INDArray newInput = ours.backpropGradient(epsilon, NO_WORKSPACES).getSecond();
        assertEquals(saved, again);
        assertEquals(saved, afterInference);
        assertEquals(saved, newInput);
    }

    @Test
    void anEpsilonOfAnotherShapeIsRefused() {
        SiluLayer ours = new SiluLayer(dl4jLayer(Activation.SWISH));
        ours.setInput(Nd4j.zeros(DataType.FLOAT, 2, 3), NO_WORKSPACES);
        var e = assertThrows(IllegalStateException.class, () -> ours.backpropGradient(Nd4j.zeros(DataType.FLOAT, 3, 2), NO_WORKSPACES));
        assertTrue(e.getMessage().contains("expected dL/da of the input's shape [2, 3], got [3, 2]"), e.getMessage());
    }

    @Test
    void onlyDl4jsSiluLayersAreReplaced() {
        assertTrue(SiluLayer.replaces(dl4jLayer(Activation.SWISH)));
        assertTrue(!SiluLayer.replaces(dl4jLayer(Activation.RELU)));
        assertTrue(!SiluLayer.replaces(new SiluLayer(dl4jLayer(Activation.SWISH))));
    }

    private static long count(Layer[] layers, Class<?> type) {
        return Arrays.stream(layers).filter(l -> l.getClass() == type).count();
    }

    @Test
    void theUNetGetsThemInItsVerticesAndLayersWithItsConfigurationUnchangedAndTrainsAsWithDl4js() {
        UNet fast = UNet.create(1, 8, 8, List.of(4, 8), 3, 2, new FastAdam(1e-3), 3);
        UNet plain;
        System.setProperty(SiluLayer.PROPERTY, "false");
        try {
            plain = UNet.create(1, 8, 8, List.of(4, 8), 3, 2, new FastAdam(1e-3), 3);
        } finally {
            System.clearProperty(SiluLayer.PROPERTY);
        }
        ComputationGraph graph = fast.network();
        assertEquals(6, count(graph.getLayers(), SiluLayer.class), "2 SiLUs in each of 2 down and 1 decoder blocks");
        assertEquals(0, count(graph.getLayers(), ActivationLayer.class));
        assertEquals(1, count(graph.getLayers(), MaxPoolLayer.class));
        assertEquals(0, count(graph.getLayers(), SubsamplingLayer.class));
        assertEquals(6, count(plain.network().getLayers(), ActivationLayer.class));
        for (GraphVertex vertex : graph.getVertices()) {
            if (vertex.hasLayer()) {
                assertTrue(Arrays.asList(graph.getLayers()).contains(vertex.getLayer()), vertex.getVertexName());
            }
        }
        assertEquals(plain.network().getConfiguration().toJson(), graph.getConfiguration().toJson());

        Nd4j.getRandom().setSeed(6);
        INDArray images = Nd4j.rand(DataType.FLOAT, 4, 64), c = Nd4j.rand(DataType.FLOAT, 4), target = Nd4j.rand(DataType.FLOAT, 4, 64);
        for (int i = 0; i < 3; i++) {
            fast.fit(images, c, target, null);
            plain.fit(images, c, target, null);
        }
        INDArray expected = plain.network().params(), actual = graph.params();
        double error = actual.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
        assertTrue(error < 1e-6, "relative error " + error);
    }
}
