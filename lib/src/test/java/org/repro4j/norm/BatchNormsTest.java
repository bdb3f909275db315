package org.repro4j.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.repro4j.models.Models;

class BatchNormsTest {

    /** 4 -> 8 -> group norm (2 groups) -> 8 -> batch norm -> softmax over 2. */
    static MultiLayerNetwork groupThenBatchNorm() {
        var net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(1e-2)).list()
                .layer(new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build())
                .layer(new GroupNormalization(2))
                .layer(new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(2).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(4)).build());
        net.init();
        return net;
    }

    @Test
    void batchNormLayersAreFoundByTypeNotByParameterName() {
        var net = groupThenBatchNorm();
        assertEquals(List.of("1_gamma", "1_beta"), net.getLayer(1).paramTable().keySet().stream().map(k -> "1_" + k).toList());
        assertEquals(List.of("3_gamma", "3_beta", "3_mean", "3_log10stdev"), List.copyOf(BatchNorms.params(net).keySet()));
        assertEquals(16, BatchNorms.affineCount(net));
        assertEquals(List.of("3_mean", "3_log10stdev"), BatchNorms.statisticsKeys(net));
    }

    @Test
    void aGraphsBatchNormLayersAreNamedByTheirLayerName() {
        var net = Models.resnet(1, 8, 8, 1, List.of(2, 4), 3, new Adam(1e-3), 1);
        assertEquals(List.of("stem_bn_gamma", "s1b1_1_bn_gamma", "s1b1_2_bn_gamma", "s2b1_1_bn_gamma", "s2b1_2_bn_gamma",
                "s2b1_proj_bn_gamma"), List.copyOf(BatchNorms.gammas(net).keySet()));
        // gamma and beta of 2 + 2 + 2 + 4 + 4 + 4 channels
        assertEquals(36, BatchNorms.affineCount(net));
    }

    @Test
    void disabledFractionCountsChannelsWithGammaBelowTheThresholdInMagnitude() {
        var net = groupThenBatchNorm();
        net.getParam("3_gamma").assign(Nd4j.createFromArray(new float[] {0, 0.005f, -0.009f, 0.0125f, 0.5f, 1, -2, 0.02f}).reshape(1, 8));
        assertEquals(3.0 / 8, BatchNorms.disabledFraction(net, 0.01), 0);
        assertEquals(5.0 / 8, BatchNorms.disabledFraction(net, 0.1), 0);
    }

    @Test
    void disabledFractionRejectsABadThresholdAndANetWithoutBatchNorm() {
        var e = assertThrows(IllegalArgumentException.class, () -> BatchNorms.disabledFraction(groupThenBatchNorm(), 0));
        assertEquals("threshold: expected a positive finite |gamma|, got 0.0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BatchNorms.disabledFraction(groupThenBatchNorm(), Double.NaN));
        e = assertThrows(IllegalArgumentException.class, () -> BatchNorms.disabledFraction(Models.lenet300100(1), 0.01));
        assertEquals("net: expected batch-norm layers, found none", e.getMessage());
    }
}
