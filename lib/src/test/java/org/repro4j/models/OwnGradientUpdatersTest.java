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

    /** The training settings; {@code everything}: L2, weight decay, clipping and Nesterov momentum instead of Adam. */
    private static NeuralNetConfiguration.Builder settings(boolean everything) {
        var builder = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT);
        if (everything) {
            return builder.updater(new Nesterovs(0.05, 0.9)).l2(1e-3).weightDecay(1e-2)
                    .gradientNormalization(GradientNormalization.ClipElementWiseAbsoluteValue).gradientNormalizationThreshold(0.05);
        }
        return builder.updater(new FastAdam(0.01));
    }

    /** A 12-16-8-3 classifier, with batch norm after the first layer if {@code everything}. */
    private static List<Layer> layers(boolean everything) {
        var layers = new ArrayList<Layer>();
        layers.add(new DenseLayer.Builder().nIn(12).nOut(16).activation(Activation.RELU).build());
        if (everything) {
            layers.add(new BatchNormalization.Builder().nOut(16).build());
        }
        layers.add(new DenseLayer.Builder().nIn(16).nOut(8).activation(Activation.TANH).build());
        layers.add(new OutputLayer.Builder(LossFunction.MCXENT).nIn(8).nOut(3).activation(Activation.SOFTMAX).build());
        return layers;
    }

    private static MultiLayerNetwork network(boolean everything) {
        var list = settings(everything).list();
        layers(everything).forEach(list::layer);
        var net = new MultiLayerNetwork(list.build());
        net.init();
        return net;
    }

    /** The same classifier as a graph. */
    private static ComputationGraph graph(boolean everything) {
        var graph = settings(everything).graphBuilder().addInputs("in");
        String previous = "in";
        for (Layer layer : layers(everything)) {
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
    private static void assertSameTraining(Model expected, Model actual) {
        assertArrayEquals(HostArrays.toDoubles(expected.params()), HostArrays.toDoubles(actual.params()), "parameters");
        assertArrayEquals(HostArrays.toDoubles(Fixtures.updaterState(expected)), HostArrays.toDoubles(Fixtures.updaterState(actual)),
                "updater state");
        assertEquals(expected.score(), actual.score(), 0.0, "score");
    }

    /**
     * Two networks from {@code build}, one with DL4J's updater and one given ours (of class {@code ours}), train six
     * steps to the same parameters, state and score; without and with batch norm, regularization and clipping.
     */
    private static void assertTrainsAsWithDl4jsUpdater(Function<Boolean, Model> build, Class<?> ours) {
        for (boolean everything : new boolean[] {false, true}) {
            Model plain = build.apply(everything);
            Model own = build.apply(everything);
            OwnGradientUpdaters.install(own);
            assertInstanceOf(ours, own instanceof MultiLayerNetwork m ? m.getUpdater() : ((ComputationGraph) own).getUpdater());
            train(plain, 6);
            train(own, 6);
            assertSameTraining(plain, own);
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
        MultiLayerNetwork plain = network(false);
        MultiLayerNetwork own = network(false);
        train(plain, 3);
        train(own, 3);
        INDArray state = own.getUpdater().getStateViewArray();
        OwnGradientUpdaters.install(own);
        assertInstanceOf(OwnGradientUpdaters.ForMultiLayer.class, own.getUpdater());
        assertSame(state, own.getUpdater().getStateViewArray(), "the same state array, not a copy");
        train(plain, 3);
        train(own, 3);
        assertSameTraining(plain, own);
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
        MultiLayerNetwork net = network(false);
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
            MultiLayerNetwork net = network(false);
            OwnGradientUpdaters.install(net);
            train(net, 1);
            assertEquals(org.deeplearning4j.nn.updater.MultiLayerUpdater.class, net.getUpdater().getClass());
        } finally {
            System.clearProperty(OwnGradientUpdaters.PROPERTY);
        }
    }
}
