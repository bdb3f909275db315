package org.repro4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Each trust ratio is checked against the step the same network takes without it: the plain
 * updater's step gives the gradient (SGD) or Adam's update, from which the expected layer-wise step
 * follows by the paper's formula. Biases, left out of the regularization, take the plain step.
 */
class TrustRatioTest {

    private static final List<String> WEIGHTS = List.of("0_W", "1_W", "2_W"), BIASES = List.of("0_b", "1_b", "2_b");

    private static MultiLayerConfiguration conf(IUpdater updater, List<Regularization> regularization) {
        return new NeuralNetConfiguration.Builder().seed(4).dataType(DataType.DOUBLE).updater(updater).list()
                .layer(new DenseLayer.Builder().nOut(7).activation(Activation.TANH).regularization(regularization).build())
                .layer(new DenseLayer.Builder().nOut(5).activation(Activation.TANH).regularization(regularization).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                        .regularization(regularization).build())
                .setInputType(InputType.feedForward(6)).build();
    }

    /** Each parameter's change after one step on a fixed batch of 16. */
    private static Map<String, INDArray> step(MultiLayerNetwork net) {
        Nd4j.getRandom().setSeed(8);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 16, 6), y = Nd4j.zeros(DataType.DOUBLE, 16, 3);
        for (int i = 0; i < 16; i++) {
            y.putScalar(i, i % 3, 1);
        }
        var before = new LinkedHashMap<String, INDArray>();
        net.paramTable().forEach((k, v) -> before.put(k, v.dup()));
        net.fit(new DataSet(x, y));
        var change = new LinkedHashMap<String, INDArray>();
        before.forEach((k, v) -> change.put(k, v.sub(net.getParam(k))));
        return change;
    }

    private static MultiLayerNetwork net(MultiLayerConfiguration conf) {
        var net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static void assertClose(INDArray expected, INDArray actual, String key) {
        assertEquals(0, expected.sub(actual).amaxNumber().doubleValue(), 1e-9 * Math.max(1, expected.amaxNumber().doubleValue()), key);
    }

    @Test
    void larsStepIsLocalRateTimesDecayedGradient() {
        double lr = 0.5, eta = 0.001, beta = 5e-4;
        var plain = net(conf(new Sgd(lr), List.of()));
        var lars = net(conf(new Sgd(lr), List.of(new Lars(eta, beta))));
        var initial = new HashMap<String, INDArray>();
        lars.paramTable().forEach((k, v) -> initial.put(k, v.dup()));
        var plainStep = step(plain);
        var larsStep = step(lars);
        for (String key : WEIGHTS) {
            INDArray g = plainStep.get(key).div(lr), p = initial.get(key);
            double local = eta * p.norm2Number().doubleValue() / (g.norm2Number().doubleValue() + beta * p.norm2Number().doubleValue());
            assertClose(g.add(p.mul(beta)).muli(lr * local), larsStep.get(key), key);
        }
        for (String key : BIASES) {
            assertClose(plainStep.get(key), larsStep.get(key), key);
        }
    }

    @Test
    void lambStepIsTrustRatioTimesDecayedAdamDirection() {
        double lr = 0.01, lambda = 0.01;
        var plain = net(conf(new Adam(lr), List.of()));
        var lamb = net(conf(new Adam(lr), List.of(new Lamb(lambda))));
        var initial = new HashMap<String, INDArray>();
        lamb.paramTable().forEach((k, v) -> initial.put(k, v.dup()));
        var adamStep = step(plain);
        var lambStep = step(lamb);
        for (String key : WEIGHTS) {
            INDArray p = initial.get(key), direction = adamStep.get(key).div(lr).addi(p.mul(lambda));
            double ratio = p.norm2Number().doubleValue() / direction.norm2Number().doubleValue();
            assertClose(direction.mul(lr * ratio), lambStep.get(key), key);
        }
        for (String key : BIASES) {
            assertClose(adamStep.get(key), lambStep.get(key), key);
        }
    }

    @Test
    void configurationsUsingThemRoundTripThroughJson() {
        var conf = conf(new Adam(0.01), List.of(new Lamb(0.01)));
        assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()));
        conf = conf(new Sgd(0.1), List.of(new Lars(0.001, 5e-4)));
        assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()));
    }

    @Test
    void dl4jListsANetworkWideRegularizationTwiceInEveryLayer() {
        var lars = new Lars(0.001, 5e-4);
        var conf = new NeuralNetConfiguration.Builder().regularization(List.of(lars)).list()
                .layer(new DenseLayer.Builder().nOut(3).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(2).build())
                .setInputType(InputType.feedForward(4)).build();
        assertEquals(List.of(lars, lars), conf.getConf(0).getLayer().getRegularizationByParam("W"),
                "if this fails, DL4J fixed it: network-wide regularization (and weight decay) is then safe");
        assertEquals(List.of(lars), conf(new Sgd(0.1), List.of(lars)).getConf(0).getLayer().getRegularizationByParam("W"));
    }

    @Test
    void rejectInvalidHyperparameters() {
        assertEquals("eta: expected a finite number above 0, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> new Lars(0, 0)).getMessage());
        assertEquals("lambda: expected a finite number of at least 0, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> new Lamb(-1)).getMessage());
    }
}
