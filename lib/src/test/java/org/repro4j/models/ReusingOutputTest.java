package org.repro4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.repro4j.optim.FastAdam;

class ReusingOutputTest {

    /** A loss that is not one of DL4J's own (the layer keeps no z for it). */
    static final class OwnMse extends LossMSE {
    }

    private static MultiLayerNetwork net(ILossFunction loss, Activation output) {
        var conf = new NeuralNetConfiguration.Builder().seed(5).updater(new FastAdam(0.01)).list()
                .layer(new DenseLayer.Builder().nOut(9).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(loss).nOut(3).activation(output).build())
                .setInputType(InputType.feedForward(6)).build();
        var net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static DataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 3);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i % 3, 1);
        }
        return new DataSet(Nd4j.randn(DataType.FLOAT, 8, 6), y);
    }

    /**
     * Trains a FastLayers copy and DL4J's layers side by side, to the same scores, parameters and outputs to float
     * rounding (the copy's matrix products go through oneDNN's sgemm, {@link Gemm}); returns the copy's output layer.
     */
    private static ReusingOutput assertTrainsAsDl4j(MultiLayerNetwork plain) {
        var fast = new MultiLayerNetwork(plain.getLayerWiseConfigurations().clone());
        fast.init(plain.params().dup(), true);
        FastLayers.install(fast);
        for (int step = 0; step < 4; step++) {
            DataSet batch = batch(10 + step);
            plain.fit(batch);
            fast.fit(batch);
            assertEquals(plain.score(), fast.score(), 1e-6, "score of step " + step);
        }
        assertArrayEquals(plain.params().toFloatVector(), fast.params().toFloatVector(), 1e-6f, "parameters");
        INDArray x = batch(1).getFeatures();
        assertArrayEquals(plain.output(x).ravel().toFloatVector(), fast.output(x).ravel().toFloatVector(), 1e-6f, "outputs");
        assertEquals(plain.score(batch(2)), fast.score(batch(2)), 1e-6, "a score outside fit");
        return (ReusingOutput) fast.getOutputLayer();
    }

    @Test
    void theScoreTakesTheBackwardPassesZAndEverythingStaysDl4jsToRounding() {
        assertSame(org.deeplearning4j.nn.layers.OutputLayer.class, net(new LossMCXENT(), Activation.SOFTMAX).getOutputLayer().getClass());
        assertEquals(4, assertTrainsAsDl4j(net(new LossMCXENT(), Activation.SOFTMAX)).reused, "one z a step");
        assertEquals(4, assertTrainsAsDl4j(net(new LossMSE(), Activation.IDENTITY)).reused);
    }

    @Test
    void aLossFromElsewhereKeepsNothing() {
        assertEquals(0, assertTrainsAsDl4j(net(new OwnMse(), Activation.IDENTITY)).reused);
    }
}
