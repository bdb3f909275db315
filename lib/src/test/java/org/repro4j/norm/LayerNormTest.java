package org.repro4j.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Pins what the layer-norm notebook relies on in DL4J: the layer norm built into its dense layer. */
class LayerNormTest {

    @Test
    void denseLayerNormNormalisesEachExamplesPreActivation() {
        var net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(2).dataType(DataType.DOUBLE).list()
                .layer(new DenseLayer.Builder().nOut(6).hasLayerNorm(true).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(5)).build());
        net.init();
        assertEquals(List.of("0_W", "0_b", "0_g", "1_W", "1_b"), List.copyOf(net.paramTable().keySet()));
        net.getParam("0_g").assign(Nd4j.create(new double[] {0.5, 1, 1.5, 2, -1, 3}).reshape(1, 6));
        net.getParam("0_b").assign(0.1);
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 5);
        // Ba, Kiros and Hinton 2016, eq. 4: a = f(g * (z - mean(z)) / std(z) + b), statistics over each example's units
        INDArray z = x.mmul(net.getParam("0_W"));
        INDArray normalised = z.subColumnVector(z.mean(1)).diviColumnVector(Transforms.sqrt(z.var(false, 1)));
        INDArray expected = Transforms.tanh(normalised.mulRowVector(net.getParam("0_g")).addiRowVector(net.getParam("0_b")));
        for (boolean training : new boolean[] {false, true}) {
            assertEquals(0, expected.sub(net.feedForward(x, training).get(1)).amaxNumber().doubleValue(), 1e-6,
                    "the same in training and test mode: " + training);
        }
    }
}
