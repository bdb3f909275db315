package org.repro4j.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.repro4j.models.Models;
import tech.tablesaw.api.Table;

class LsuvTest {

    /** A 10-64-32-5 tanh MLP initialised N(0, 1): far from unit variance (a pre-activation variance of about 10). */
    private static MultiLayerNetwork mlp() {
        var net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).weightInit(new Normal(0, 1)).list()
                .layer(new DenseLayer.Builder().nOut(64).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nOut(32).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(5).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(10)).build());
        net.init();
        return net;
    }

    private static INDArray batch(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.FLOAT, shape).muli(3);
    }

    @Test
    void everyLayerOutputHasUnitVarianceOnTheBatch() {
        var net = mlp();
        INDArray x = batch(2, 256, 10);
        Table report = Lsuv.apply(net, x, 0.01, 10);
        assertEquals(List.of(0, 1, 2), report.intColumn("layer").asList());
        // recomputed independently: each layer's pre-activation x W + b from the previous layer's output
        List<INDArray> activations = net.feedForward(x, false);
        for (int i = 0; i < 3; i++) {
            INDArray z = activations.get(i).mmul(net.getParam(i + "_W")).addRowVector(net.getParam(i + "_b"));
            double variance = z.varNumber().doubleValue();
            assertEquals(1, variance, 0.01, "layer " + i);
            assertEquals(variance, report.doubleColumn("variance").get(i), 1e-4, "reported variance of layer " + i);
            assertTrue(report.intColumn("iterations").get(i) <= 10);
        }
    }

    @Test
    void convolutionsArePreInitialisedOrthogonalAndReachUnitVariance() {
        var net = Models.conv(1, 8, 8, List.of(4), List.of(8), 3, new Adam(1e-3), 5);
        Table report = Lsuv.apply(net, batch(3, 64, 64), 0.05, 10);
        assertEquals(List.of(0, 1, 3, 4), report.intColumn("layer").asList(), "pooling (layer 2) has no weights");
        for (double variance : report.doubleColumn("variance")) {
            assertEquals(1, variance, 0.05);
        }
        INDArray w = net.getParam("0_W").castTo(DataType.DOUBLE).reshape('c', 4, 9);
        INDArray gram = w.mmul(w.transpose());
        double scale = gram.getDouble(0, 0);
        assertEquals(0, gram.sub(Nd4j.eye(4).muli(scale)).amaxNumber().doubleValue(), 1e-5 * scale,
                "the first convolution is a rescaled orthogonal matrix");
    }

    @Test
    void sameNetworkAndBatchGiveSameWeights() {
        var a = mlp();
        var b = mlp();
        INDArray x = batch(2, 64, 10);
        Lsuv.apply(a, x, 0.05, 10);
        Nd4j.randn(DataType.FLOAT, 100);  // draws in between do not matter
        Lsuv.apply(b, x, 0.05, 10);
        assertEquals(a.params(), b.params());
    }

    @Test
    void stopsAfterMaxIterations() {
        Table report = Lsuv.apply(mlp(), batch(2, 256, 10), 1e-9, 2);
        assertTrue(report.intColumn("iterations").asList().stream().allMatch(n -> n <= 2), report.toString());
    }

    @Test
    void rejectsBadArgumentsNamingThem() {
        var e = assertThrows(IllegalArgumentException.class, () -> Lsuv.apply(mlp(), batch(2, 8, 10), 0, 10));
        assertEquals("tolerance: expected a number above 0, got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Lsuv.apply(mlp(), batch(2, 8, 10), 0.1, 0));
        assertEquals("maxIterations: expected at least 1, got 0", e.getMessage());
    }
}
