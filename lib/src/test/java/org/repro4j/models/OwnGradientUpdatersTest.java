package org.repro4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.NeuralNetwork;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.repro4j.Fixtures;
import org.repro4j.HostArrays;
import org.repro4j.data.Dataset;
import org.repro4j.optim.FastAdam;
import org.repro4j.train.Trainer;

class OwnGradientUpdatersTest {

    /** Ten rows drawn from a seed; {@code step} 0 and up (ND4J's generator seeded with 0 does not repeat itself). */
    private static DataSet batch(long step) {
        long seed = 100 + step;
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.FLOAT, 10, 12);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 10, 3);
        for (int i = 0; i < 10; i++) {
            y.putScalar(i, (i * 7 + seed) % 3, 1);
        }
        return new DataSet(x, y);
    }

    /**
     * The training settings. {@code PLAIN}: FastAdam alone, which takes DL4J's division by the batch size into its own
     * pass; {@code ADAM_L2} and {@code ADAM_CLIPPED}: FastAdam with L2 or with clipping, where it must not;
     * {@code EVERYTHING}: L2, weight decay, clipping and Nesterov momentum, and batch norm in the network.
     */
    private enum Variant { PLAIN, ADAM_L2, ADAM_CLIPPED, EVERYTHING }

    private static NeuralNetConfiguration.Builder settings(Variant variant) {
        var builder = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT);
        return switch (variant) {
            case PLAIN -> builder.updater(new FastAdam(0.01));
            case ADAM_L2 -> builder.updater(new FastAdam(0.01)).l2(1e-2);
            case ADAM_CLIPPED -> builder.updater(new FastAdam(0.01))
                    .gradientNormalization(GradientNormalization.ClipElementWiseAbsoluteValue).gradientNormalizationThreshold(0.05);
            case EVERYTHING -> builder.updater(new Nesterovs(0.05, 0.9)).l2(1e-3).weightDecay(1e-2)
                    .gradientNormalization(GradientNormalization.ClipElementWiseAbsoluteValue).gradientNormalizationThreshold(0.05);
        };
    }

    /** A 12-16-8-3 classifier, with batch norm after the first layer for {@code EVERYTHING}. */
    private static List<Layer> layers(Variant variant) {
        var layers = new ArrayList<Layer>();
        layers.add(new DenseLayer.Builder().nIn(12).nOut(16).activation(Activation.RELU).build());
        if (variant == Variant.EVERYTHING) {
            layers.add(new BatchNormalization.Builder().nOut(16).build());
        }
        layers.add(new DenseLayer.Builder().nIn(16).nOut(8).activation(Activation.TANH).build());
        layers.add(new OutputLayer.Builder(LossFunction.MCXENT).nIn(8).nOut(3).activation(Activation.SOFTMAX).build());
        return layers;
    }

    private static MultiLayerNetwork network(Variant variant) {
        var list = settings(variant).list();
        layers(variant).forEach(list::layer);
        var net = new MultiLayerNetwork(list.build());
        net.init();
        return net;
    }

    /** The same classifier as a graph. */
    private static ComputationGraph graph(Variant variant) {
        var graph = settings(variant).graphBuilder().addInputs("in");
        String previous = "in";
        for (Layer layer : layers(variant)) {
            String name = "layer" + graph.getVertices().size();
            graph.addLayer(name, layer, previous);
            previous = name;
        }
        var net = new ComputationGraph(graph.setOutputs(previous).build());
        net.init();
        return net;
    }

    private static void train(Model net, int steps) {
        for (int step = 0; step < steps; step++) {
            ((NeuralNetwork) net).fit(batch(step));
        }
    }

    /** Both networks have the same parameters, updater state and score, to the bit. */
    private static void assertSameTraining(Model expected, Model actual, String what) {
        assertArrayEquals(HostArrays.toDoubles(expected.params()), HostArrays.toDoubles(actual.params()), what + ": parameters");
        assertArrayEquals(HostArrays.toDoubles(Fixtures.updaterState(expected)), HostArrays.toDoubles(Fixtures.updaterState(actual)),
                what + ": updater state");
        assertEquals(expected.score(), actual.score(), 0.0, what + ": score");
    }

    /**
     * Two networks from {@code build}, one with DL4J's updater and one given ours (of class {@code ours}), train six
     * steps to the same parameters, state and score, in every {@link Variant}.
     */
    private static void assertTrainsAsWithDl4jsUpdater(Function<Variant, Model> build, Class<?> ours) {
        for (Variant variant : Variant.values()) {
            Model plain = build.apply(variant);
            Model own = build.apply(variant);
            OwnGradientUpdaters.install(own);
            assertInstanceOf(ours, own instanceof MultiLayerNetwork m ? m.getUpdater() : ((ComputationGraph) own).getUpdater());
            train(plain, 6);
            train(own, 6);
            assertSameTraining(plain, own, variant.toString());
        }
    }

    @Test
    void multiLayerNetworksTrainAsWithDl4jsUpdater() {
        assertTrainsAsWithDl4jsUpdater(OwnGradientUpdatersTest::network, OwnGradientUpdaters.ForMultiLayer.class);
    }

    @Test
    void graphsTrainAsWithDl4jsUpdater() {
        assertTrainsAsWithDl4jsUpdater(OwnGradientUpdatersTest::graph, OwnGradientUpdaters.ForGraph.class);
    }

    @Test
    void installingAfterTrainingKeepsTheState() {
        MultiLayerNetwork plain = network(Variant.PLAIN);
        MultiLayerNetwork own = network(Variant.PLAIN);
        train(plain, 3);
        train(own, 3);
        INDArray state = own.getUpdater().getStateViewArray();
        OwnGradientUpdaters.install(own);
        assertInstanceOf(OwnGradientUpdaters.ForMultiLayer.class, own.getUpdater());
        assertSame(state, own.getUpdater().getStateViewArray(), "the same state array, not a copy");
        train(plain, 3);
        train(own, 3);
        assertSameTraining(plain, own, "installed after 3 steps");
    }

    /** A network that only scores or evaluates gets no updater state; one that trains through the library gets one of these. */
    @Test
    void theUpdaterComesWithTraining() {
        MultiLayerNetwork net = Models.mlp(4, List.of(8), 2, new FastAdam(0.01), 1);
        assertNull(net.getUpdater(false), "no updater (and no Adam state) before training");
        Dataset data = Fixtures.blobs(20, 3);
        Trainer.fit(net, data, data, Trainer.Options.ofIterations(2, 10, 1), new PrintStream(OutputStream.nullOutputStream()));
        assertInstanceOf(OwnGradientUpdaters.ForMultiLayer.class, net.getUpdater(false));
    }

    @Test
    void onlyTheNetworksOwnGradientTakesTheStandardPath() {
        MultiLayerNetwork net = network(Variant.PLAIN);
        OwnGradientUpdaters.install(net);
        train(net, 1);
        var updater = (OwnGradientUpdaters.ForMultiLayer) net.getUpdater();
        Gradient own = net.gradient();
        assertNotSame(net.getFlattenedGradients(), own.gradient(), "DL4J's gradient() is a new view each call");
        assertSame(net.getFlattenedGradients(), updater.own(own).gradient());
        assertSame(own.gradientForVariable(), updater.own(own).gradientForVariable());
        Gradient foreign = new DefaultGradient(net.getFlattenedGradients().dup());
        assertSame(foreign, updater.own(foreign));
    }

    @Test
    void propertyFalseLeavesDl4jsUpdater() {
        System.setProperty(OwnGradientUpdaters.PROPERTY, "false");
        try {
            MultiLayerNetwork net = network(Variant.PLAIN);
            OwnGradientUpdaters.install(net);
            train(net, 1);
            assertEquals(org.deeplearning4j.nn.updater.MultiLayerUpdater.class, net.getUpdater().getClass());
        } finally {
            System.clearProperty(OwnGradientUpdaters.PROPERTY);
        }
    }
}
