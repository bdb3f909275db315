package org.repro4j.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class InitializersTest {

    /** Initialises a fresh [rows, cols] tensor the way DL4J does: a flat view, reshaped in 'f' order. */
    private static INDArray draw(IWeightInit init, double fanIn, double fanOut, long... shape) {
        Nd4j.getRandom().setSeed(42);
        long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        return init.init(fanIn, fanOut, shape, 'f', Nd4j.create(DataType.FLOAT, 1, n));
    }

    /** Relative error of the standard deviation of n = 200k draws: about 1/sqrt(2n) = 0.16%; we allow 1%. */
    private static void assertStd(double expected, INDArray w) {
        double std = w.stdNumber().doubleValue();
        assertEquals(expected, std, 0.01 * expected, "std");
        assertEquals(0, w.meanNumber().doubleValue(), 0.01 * expected, "mean");
    }

    @Test
    void normalHasItsMeanAndStd() {
        INDArray w = draw(new Normal(0.5, 2), 1, 1, 400, 500);
        assertEquals(0.5, w.meanNumber().doubleValue(), 0.02);
        assertEquals(2, w.stdNumber().doubleValue(), 0.02);
    }

    @Test
    void uniformStaysInItsBoundsWithTheUniformStd() {
        INDArray w = draw(new Uniform(-1, 3), 1, 1, 400, 500);
        assertTrue(w.minNumber().doubleValue() >= -1 && w.maxNumber().doubleValue() < 3);
        assertEquals(1, w.meanNumber().doubleValue(), 0.02);
        assertEquals(4 / Math.sqrt(12), w.stdNumber().doubleValue(), 0.01);
    }

    @Test
    void constantAndZerosAreExact() {
        assertEquals(0.25, draw(new Constant(0.25), 1, 1, 3, 4).minNumber().doubleValue());
        assertEquals(0.25, draw(new Constant(0.25), 1, 1, 3, 4).maxNumber().doubleValue());
        assertEquals(0, draw(Initializers.get("zeros"), 1, 1, 3, 4).amaxNumber().doubleValue());
    }

    @Test
    void xavierStdIsGainTimesSqrtTwoOverFanSum() {
        double expected = 5.0 / 3 * Math.sqrt(2.0 / (400 + 500));
        assertStd(expected, draw(new Xavier(Distribution.NORMAL, 5.0 / 3), 400, 500, 400, 500));
        INDArray uniform = draw(new Xavier(Distribution.UNIFORM, 5.0 / 3), 400, 500, 400, 500);
        assertStd(expected, uniform);
        assertTrue(uniform.amaxNumber().doubleValue() <= 5.0 / 3 * Math.sqrt(6.0 / 900) + 1e-6, "Glorot's eq. 16 bound");
    }

    @Test
    void kaimingStdIsGainOverSqrtFan() {
        double gain = Math.sqrt(2);
        assertStd(gain / Math.sqrt(400), draw(new Kaiming(Distribution.NORMAL, Kaiming.Fan.IN, gain), 400, 500, 400, 500));
        assertStd(gain / Math.sqrt(500), draw(new Kaiming(Distribution.NORMAL, Kaiming.Fan.OUT, gain), 400, 500, 400, 500));
        INDArray uniform = draw(new Kaiming(Distribution.UNIFORM, Kaiming.Fan.IN, gain), 400, 500, 400, 500);
        assertStd(gain / Math.sqrt(400), uniform);
        assertTrue(uniform.amaxNumber().doubleValue() <= gain * Math.sqrt(3.0 / 400) + 1e-6);
    }

    @Test
    void scaledMultipliesItsBaseByAlpha() {
        INDArray base = draw(new Kaiming(Distribution.NORMAL, Kaiming.Fan.IN, 1), 10, 10, 10, 10);
        INDArray scaled = draw(new Scaled(0.1, new Kaiming(Distribution.NORMAL, Kaiming.Fan.IN, 1)), 10, 10, 10, 10);
        assertEquals(base.mul(0.1), scaled);
    }

    @Test
    void orthogonalGivesIdentityGram() {
        INDArray tall = draw(new Orthogonal(1), 64, 32, 64, 32).castTo(DataType.DOUBLE);
        assertEquals(0, tall.transpose().mmul(tall).sub(Nd4j.eye(32)).amaxNumber().doubleValue(), 1e-5, "W^T W = I");
        INDArray wide = draw(new Orthogonal(2), 16, 64, 16, 64).castTo(DataType.DOUBLE);
        assertEquals(0, wide.mmul(wide.transpose()).sub(Nd4j.eye(16).muli(4)).amaxNumber().doubleValue(), 1e-5,
                "W W^T = gain^2 I");
        INDArray conv = draw(new Orthogonal(1), 27, 72, 8, 3, 3, 3).castTo(DataType.DOUBLE).reshape('c', 8, 27);
        assertEquals(0, conv.mmul(conv.transpose()).sub(Nd4j.eye(8)).amaxNumber().doubleValue(), 1e-5,
                "conv [out, in, k, k] flattened to [out, in*k*k]");
    }

    @Test
    void gainsFollowPytorchsTable() {
        assertEquals(1, Gains.of(Activation.IDENTITY));
        assertEquals(1, Gains.of(Activation.SIGMOID));
        assertEquals(5.0 / 3, Gains.of(Activation.TANH));
        assertEquals(Math.sqrt(2), Gains.of(Activation.RELU));
        assertEquals(Math.sqrt(2 / 1.0001), Gains.of(Activation.LEAKYRELU), 1e-15);
        assertEquals(0.75, Gains.of(Activation.SELU));
        var e = assertThrows(IllegalArgumentException.class, () -> Gains.of(Activation.SOFTMAX));
        assertTrue(e.getMessage().contains("SOFTMAX") && e.getMessage().contains("RELU"), e.getMessage());
    }

    @Test
    void registryKnowsEveryListedName() {
        for (String name : Initializers.NAMES) {
            assertNotNull(Initializers.get(name), name);
        }
        assertEquals(new Kaiming(Distribution.UNIFORM, Kaiming.Fan.OUT, Math.sqrt(2)), Initializers.get("kaiming_uniform_fan_out"));
    }

    @Test
    void registryRejectsAnUnknownNameListingTheKnownOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Initializers.get("he"));
        assertEquals("initializer: unknown name 'he'; known: " + Initializers.NAMES, e.getMessage());
    }

    @Test
    void invalidHyperparametersAreRejectedNamingTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Kaiming(Distribution.NORMAL, Kaiming.Fan.IN, 0));
        assertEquals("gain: expected a finite number above 0, got 0.0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Normal(0, -1));
        assertThrows(IllegalArgumentException.class, () -> new Uniform(1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Scaled(2, null));
    }

    private static MultiLayerNetwork net(IWeightInit hidden, IWeightInit output, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).weightInit(hidden).list()
                .layer(new DenseLayer.Builder().nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).weightInit(output).build())
                .setInputType(InputType.feedForward(8)).build();
        var net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void sameSeedGivesSameWeights() {
        IWeightInit kaiming = Initializers.get("kaiming_normal"), orthogonal = new Orthogonal(1);
        assertEquals(net(kaiming, orthogonal, 7).params(), net(kaiming, orthogonal, 7).params());
        assertFalse(net(kaiming, orthogonal, 7).params().equals(net(kaiming, orthogonal, 8).params()));
    }

    @Test
    void networkUsingThemSavesAndRestores(@TempDir Path dir) throws Exception {
        IWeightInit scaled = new Scaled(0.5, new Orthogonal(Gains.of(Activation.RELU)));
        var net = net(scaled, new Xavier(Distribution.UNIFORM, 1), 3);
        Path file = dir.resolve("net.zip");
        ModelSerializer.writeModel(net, file.toFile(), false);
        var restored = ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
        assertEquals(net.params(), restored.params());
        assertEquals(scaled, ((DenseLayer) restored.getLayerWiseConfigurations().getConf(0).getLayer()).getWeightInitFn());
        assertEquals(new Xavier(Distribution.UNIFORM, 1),
                ((OutputLayer) restored.getLayerWiseConfigurations().getConf(1).getLayer()).getWeightInitFn());
        assertEquals(net.getLayerWiseConfigurations(), MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson()));
        assertTrue(Files.size(file) > 0);
    }
}
