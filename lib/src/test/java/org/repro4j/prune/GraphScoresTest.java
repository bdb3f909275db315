package org.repro4j.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.function.BiFunction;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** A ComputationGraph scores exactly like the layer stack it copies (same weights, keys renamed). */
class GraphScoresTest {

    private final MultiLayerNetwork stack = Tiny.mlp(5);
    private final ComputationGraph graph = graphOf(stack);
    private final DataSet batch = Tiny.batch(6, 2);

    private static ComputationGraph graphOf(MultiLayerNetwork stack) {
        var conf = new NeuralNetConfiguration.Builder().updater(new Adam(1e-3)).graphBuilder()
                .addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nOut(2).activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out")
                .setInputTypes(InputType.feedForward(3))
                .build();
        var graph = new ComputationGraph(conf);
        graph.init();
        stack.paramTable().forEach((key, value) -> graph.getParam(key.replace("0_", "hidden_").replace("1_", "out_")).assign(value));
        return graph;
    }

    private void assertSame(BiFunction<Model, Masks, Map<String, INDArray>> scores) {
        Map<String, INDArray> fromStack = scores.apply(stack, Masks.dense(stack));
        Map<String, INDArray> fromGraph = scores.apply(graph, Masks.dense(graph));
        assertEquals(fromStack.get("0_W"), fromGraph.get("hidden_W"));
        assertEquals(fromStack.get("1_W"), fromGraph.get("out_W"));
    }

    @Test
    void snip() {
        assertSame((net, masks) -> Snip.scores(net, masks, batch));
    }

    @Test
    void grasp() {
        assertSame((net, masks) -> Grasp.scores(net, masks, batch));
    }

    @Test
    void synflow() {
        assertSame(SynFlow::scores);
    }
}
