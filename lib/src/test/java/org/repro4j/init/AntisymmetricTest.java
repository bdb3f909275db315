package org.repro4j.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.repro4j.models.Models;

class AntisymmetricTest {

    @Test
    void outputIsUniformAtInitialisationAtAnyScale() {
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(5, 6).muli(3);
        for (double alpha : new double[] {0.1, 1, 10}) {  // float32: the halves cancel to rounding, ~1e-7 of the logits' terms
            for (boolean biases : new boolean[] {false, true}) {
                var net = Antisymmetric.apply(Models.mlp(6, List.of(8), 3, new Sgd(0.1),
                        new Scaled(alpha, WeightInit.RELU.getWeightInitFunction()), biases, 2));
                assertEquals(0, net.output(x).sub(1.0 / 3).amaxNumber().doubleValue(), 1e-5, "alpha " + alpha + ", biases " + biases);
            }
        }
    }

    @Test
    void keepsTheSeededDrawInTheFirstHalf() {
        var plain = Models.mlp(6, List.of(8), 3, new Sgd(0.1), WeightInit.RELU.getWeightInitFunction(), false, 2);
        var anti = Antisymmetric.apply(plain.clone());
        INDArray firstHalf = plain.getParam("0_W").get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4));
        assertEquals(firstHalf, anti.getParam("0_W").get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4)));
        assertEquals(firstHalf, anti.getParam("0_W").get(NDArrayIndex.all(), NDArrayIndex.interval(4, 8)));
        INDArray out = plain.getParam("1_W").get(NDArrayIndex.interval(0, 4), NDArrayIndex.all());
        assertEquals(out.neg(), anti.getParam("1_W").get(NDArrayIndex.interval(4, 8), NDArrayIndex.all()));
    }

    @Test
    void rejectsTwoHiddenLayersAndAnOddWidth() {
        var e = assertThrows(IllegalArgumentException.class, () -> Antisymmetric.apply(Models.mlp(6, List.of(8, 8), 3, new Sgd(0.1), 1)));
        assertEquals("net: expected one dense hidden layer of an even width and an output layer, got "
                + "[DenseLayer(8), DenseLayer(8), OutputLayer(3)]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Antisymmetric.apply(Models.mlp(6, List.of(7), 3, new Sgd(0.1), 1)));
        assertEquals("net: expected one dense hidden layer of an even width and an output layer, got "
                + "[DenseLayer(7), OutputLayer(3)]", e.getMessage());
    }
}
