package org.repro4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.repro4j.optim.FastAdam;

class ReusingDenseTest {

    private static DataSet batch(long seed, int rows) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.FLOAT, rows, 12);
        INDArray y = Nd4j.zeros(DataType.FLOAT, rows, 3);
        for (int i = 0; i < rows; i++) {
            y.putScalar(i, (i * 7) % 3, 1);
        }
        return new DataSet(x, y);
    }

    /** A 12-16-8-3 classifier with {@code activation}, and {@code layerNorm} on the hidden layers. */
    private static MultiLayerNetwork mlp(Activation activation, boolean layerNorm) {
        var list = new NeuralNetConfiguration.Builder().seed(3).updater(new FastAdam(0.01)).list();
        for (int width : new int[] {16, 8}) {
            list.layer(new DenseLayer.Builder().nOut(width).activation(activation).hasLayerNorm(layerNorm).build());
        }
        list.layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build());
        var net = new MultiLayerNetwork(list.setInputType(InputType.feedForward(12)).build());
        net.init();
        return net;
    }

    /** DL4J's own network with the same configuration and parameters. */
    private static MultiLayerNetwork plainCopy(MultiLayerNetwork net) {
        var plain = new MultiLayerNetwork(net.getLayerWiseConfigurations().clone());
        plain.init(net.params().dup(), true);
        return plain;
    }

    private static ReusingDense layer(MultiLayerNetwork net, int i) {
        return (ReusingDense) net.getLayer(i);
    }

    /** Trains both networks on the same batches of 10 rows. */
    private static void trainBoth(MultiLayerNetwork a, MultiLayerNetwork b, int steps) {
        trainBoth(a, b, steps, 10);
    }

    private static void trainBoth(MultiLayerNetwork a, MultiLayerNetwork b, int steps, int rows) {
        for (int step = 0; step < steps; step++) {
            DataSet batch = batch(100 + step, rows);
            a.fit(batch);
            b.fit(batch);
        }
    }

    /**
     * Both networks have the same parameters (to 1e-5) and score (to 1e-6): the layers' matrix products go through
     * oneDNN's sgemm ({@link Gemm}), which rounds differently from DL4J's OpenBLAS.
     */
    private static void assertSameParameters(MultiLayerNetwork expected, MultiLayerNetwork actual) {
        for (var entry : expected.paramTable().entrySet()) {
            double difference = entry.getValue().sub(actual.getParam(entry.getKey())).amaxNumber().doubleValue();
            assertTrue(difference <= 1e-5, entry.getKey() + " differs by " + difference);
        }
        assertEquals(expected.score(), actual.score(), 1e-6);
    }

    @Test
    void reluAndTanhNetworksTrainToTheSameParametersToRounding() {
        for (Activation activation : List.of(Activation.RELU, Activation.TANH, Activation.IDENTITY)) {
            var fast = FastLayers.install(mlp(activation, false));
            var plain = plainCopy(fast);
            assertSame(org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer.class, plain.getLayer(0).getClass());
            trainBoth(fast, plain, 5);
            assertSameParameters(plain, fast);
            INDArray x = batch(1, 7).getFeatures();
            assertTrue(plain.output(x).equals(fast.output(x)), activation + ": outputs differ");
            assertEquals(5, layer(fast, 0).reused, activation + ": reuses of the first layer");
            assertEquals(5, layer(fast, 1).reused, activation + ": reuses of the second layer");
            assertEquals(5, layer(fast, 0).skipped, activation + ": the first layer's dL/dx is not needed by fit");
            assertEquals(0, layer(fast, 1).skipped, activation + ": the second layer's dL/dx is needed");
        }
    }

    @Test
    void siluNetworksHaveDl4jsForwardPassAndItsGradientsToRounding() {
        var fast = FastLayers.install(mlp(Activation.SWISH, false));
        var plain = plainCopy(fast);
        DataSet batch = batch(5, 10);
        for (var net : List.of(fast, plain)) {
            net.setInput(batch.getFeatures());
            net.setLabels(batch.getLabels());
            net.computeGradientAndScore();
        }
        assertEquals(plain.score(), fast.score(), 0.0, "the loss of the same forward pass");
        INDArray expected = plain.getFlattenedGradients();
        double error = fast.getFlattenedGradients().sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
        assertTrue(error < 1e-6, "relative gradient error " + error);
        trainBoth(fast, plain, 5);
        assertTrue(plain.params().equalsWithEps(fast.params(), 1e-5), "parameters after 5 steps");
        assertEquals(6, layer(fast, 1).reused);
    }

    /**
     * Dropout with a mask fixed by position (every third unit dropped, the rest scaled by 1.5): DL4J's own dropout
     * draws its masks from a generator that setting ND4J's seed does not reset, so two networks never see the same ones.
     */
    private static final class FixedDropout implements IDropout {

        private static INDArray mask(INDArray like) {
            float[] values = new float[(int) like.length()];
            for (int i = 0; i < values.length; i++) {
                values[i] = i % 3 == 0 ? 0f : 1.5f;
            }
            return Nd4j.create(values, like.shape(), 'c').castTo(like.dataType());
        }

        @Override
        public INDArray applyDropout(INDArray input, INDArray result, int iteration, int epoch, LayerWorkspaceMgr workspaceMgr) {
            return result.assign(input.mul(mask(input)));
        }

        @Override
        public INDArray backprop(INDArray gradAtOutput, INDArray gradAtInput, int iteration, int epoch) {
            return gradAtInput.assign(gradAtOutput.mul(mask(gradAtOutput)));
        }

        @Override
        public void clear() {
        }

        @Override
        public IDropout clone() {
            return new FixedDropout();
        }
    }

    @Test
    void dropoutStaysTheSame() {
        var list = new NeuralNetConfiguration.Builder().seed(3).updater(new FastAdam(0.01)).list()
                .layer(new DenseLayer.Builder().nOut(16).activation(Activation.RELU).dropOut(new FixedDropout()).build())
                .layer(new DenseLayer.Builder().nOut(8).activation(Activation.RELU).dropOut(new FixedDropout()).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build());
        var fast = new MultiLayerNetwork(list.setInputType(InputType.feedForward(12)).build());
        fast.init();
        FastLayers.install(fast);
        var plain = plainCopy(fast);
        trainBoth(fast, plain, 4);
        assertSameParameters(plain, fast);
        assertEquals(4, layer(fast, 1).reused);
        assertEquals(4, layer(fast, 0).skipped);
    }

    @Test
    void batchNormAfterADenseLayerStaysTheSame() {
        // Models.mlp's BATCH arm and its ghost-batch variant: identity dense layers, batch norm, then ReLU (notebooks 30, 31).
        // Plain SGD: a dense bias before batch norm has a zero gradient in exact arithmetic, whose rounding noise
        // (different in the two networks' products) Adam would scale up to its full step.
        for (var fast : List.of(Models.mlp(12, List.of(256, 64), 3, new Sgd(0.1), 5, Models.HiddenNorm.BATCH),
                Models.mlp(12, List.of(256, 64), 3, new Sgd(0.1), 5, 128))) {
            assertSame(ReusingDense.class, fast.getLayer(0).getClass());
            var plain = plainCopy(fast);
            trainBoth(fast, plain, 3, 512);
            assertSameParameters(plain, fast);
            INDArray x = batch(1, 7).getFeatures();
            assertTrue(plain.output(x).equals(fast.output(x)));
        }
    }

    @Test
    void layerNormKeepsDl4jsPath() {
        var fast = FastLayers.install(mlp(Activation.RELU, true));
        var plain = plainCopy(fast);
        trainBoth(fast, plain, 3);
        assertSameParameters(plain, fast);
        assertEquals(0, layer(fast, 0).reused);
    }

    @Test
    void theInputGradientIsStillComputedWhenACallerAsksForIt() {
        var fast = FastLayers.install(mlp(Activation.SWISH, false));
        var plain = plainCopy(fast);
        DataSet batch = batch(7, 6);
        Pair<Gradient, INDArray> a = fast.calculateGradients(batch.getFeatures(), batch.getLabels(), null, null);
        Pair<Gradient, INDArray> b = plain.calculateGradients(batch.getFeatures(), batch.getLabels(), null, null);
        assertNotNull(a.getSecond());
        assertTrue(b.getSecond().equals(a.getSecond()), () -> b.getSecond() + " vs " + a.getSecond());
        assertTrue(b.getFirst().gradient().equals(a.getFirst().gradient()));
        assertEquals(0, layer(fast, 0).skipped);
        assertEquals(1, layer(fast, 0).reused);
    }

    @Test
    void installingAfterTrainingKeepsTheOptimizerState() {
        var fast = mlp(Activation.RELU, false);
        var plain = plainCopy(fast);
        trainBoth(fast, plain, 3);
        INDArray state = fast.getUpdater().getStateViewArray().dup();
        FastLayers.install(fast);
        assertTrue(state.equals(fast.getUpdater().getStateViewArray()));
        assertSame(fast.getLayer(0), fast.getLayer(fast.getLayerNames().get(0)));
        trainBoth(fast, plain, 3);
        assertSameParameters(plain, fast);
        assertEquals(3, layer(fast, 0).reused);
    }

    @Test
    void lenetTrainsAndPredictsAsDl4jDoesToRounding() {
        var fast = Models.lenet300100(1);
        assertSame(ReusingDense.class, fast.getLayer(0).getClass());
        assertSame(ReusingDense.class, fast.getLayer(1).getClass());
        var plain = plainCopy(fast);
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(DataType.FLOAT, 60, 784);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 60, 10);
        for (int i = 0; i < 60; i++) {
            y.putScalar(i, i % 10, 1);
        }
        for (int step = 0; step < 3; step++) {
            fast.fit(x, y);
            plain.fit(x, y);
        }
        assertSameParameters(plain, fast);
        assertTrue(plain.output(x).equals(fast.output(x)));
        assertEquals(3, layer(fast, 0).skipped);
    }

    @Test
    void aGraphsDenseLayersTrainAsDl4jsToRoundingAndKeepTheOptimizerState() {
        var conf = new NeuralNetConfiguration.Builder().seed(3).updater(new FastAdam(0.01)).graphBuilder().addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(12).nOut(16).activation(Activation.SWISH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nIn(16).nOut(3).activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").build();
        var plain = new ComputationGraph(conf);
        plain.init();
        var fast = new ComputationGraph(conf.clone());
        fast.init(plain.params().dup(), true);
        DataSet first = batch(99, 10);
        plain.fit(first);
        fast.fit(first); // an updater with state before the swap
        FastLayers.install(fast);
        var hidden = (ReusingDense) fast.getLayer("hidden");
        assertTrue(List.of(fast.getLayers()).contains(hidden), "in the graph's array of layers");
        for (int step = 0; step < 4; step++) {
            DataSet batch = batch(100 + step, 10);
            plain.fit(batch);
            fast.fit(batch);
        }
        double difference = plain.params().sub(fast.params()).amaxNumber().doubleValue();
        assertTrue(difference <= 1e-5, "parameters differ by " + difference);
        assertEquals(plain.score(), fast.score(), 1e-6);
        assertEquals(4, hidden.reused);
        assertEquals(0, hidden.skipped, "a graph's layer always computes dL/dx");
    }
}
