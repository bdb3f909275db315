package org.repro4j.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.Set;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;

class GhostBatchNormalizationTest {

    @Test
    void oneGhostBatchEqualsBatchNorm() {
        var bn = NormNets.dense(new BatchNormalization.Builder().useLogStd(false).build(), DataType.FLOAT, new Sgd(0.1));
        var ghost = NormNets.dense(new GhostBatchNormalization(64), DataType.FLOAT, new Sgd(0.1));
        assertEquals(bn.params(), ghost.params(), "same initial parameters");
        INDArray x = NormNets.features(DataType.FLOAT, 12, 5), y = NormNets.labels(DataType.FLOAT, 12);
        INDArray expected = bn.feedForward(x, true).get(2), actual = ghost.feedForward(x, true).get(2);
        assertEquals(0, expected.sub(actual).amaxNumber().doubleValue(), 1e-5, "training-mode output");
        for (int step = 0; step < 5; step++) {
            bn.fit(x, y);
            ghost.fit(x, y);
        }
        // gamma, beta, the running statistics and the dense weights after 5 SGD steps
        assertEquals(0, bn.params().sub(ghost.params()).amaxNumber().doubleValue(), 1e-5, "parameters after 5 steps");
        assertEquals(0, bn.output(x, false).sub(ghost.output(x, false)).amaxNumber().doubleValue(), 1e-5, "test-mode output");
    }

    @Test
    void normalisesEachGhostBatchWithItsOwnStatistics() {
        var net = NormNets.dense(new GhostBatchNormalization(4), DataType.FLOAT, new Sgd(0.1));
        INDArray x = NormNets.features(DataType.FLOAT, 12, 5);
        var activations = net.feedForward(x, true);
        INDArray in = activations.get(1), out = activations.get(2);
        for (int start = 0; start < 12; start += 4) {
            // (h - mean) / sqrt(var + eps) with the ghost batch's own mean and biased variance (gamma 1, beta 0)
            INDArray h = in.get(NDArrayIndex.interval(start, start + 4));
            INDArray expected = h.subRowVector(h.mean(0)).diviRowVector(Transforms.sqrt(h.var(false, 0).addi(1e-5)));
            assertEquals(0, expected.sub(out.get(NDArrayIndex.interval(start, start + 4))).amaxNumber().doubleValue(), 1e-5,
                    "ghost batch at " + start);
        }
        INDArray whole = in.subRowVector(in.mean(0)).diviRowVector(Transforms.sqrt(in.var(false, 0).addi(1e-5)));
        assertTrue(whole.sub(out).amaxNumber().doubleValue() > 0.1, "the batch is not normalised as one");
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        NormNets.inDoublePrecision(() -> {
        var net = NormNets.dense(new GhostBatchNormalization(4), DataType.DOUBLE, new NoOp());
        INDArray x = NormNets.features(DataType.DOUBLE, 10, 5), y = NormNets.labels(DataType.DOUBLE, 10);  // ghost batches 4, 4, 2
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-8).excludeParams(Set.of("1_mean", "1_var"))));
        });
    }

    @Test
    void convolutionalGhostBatchesArePerChannel() {
        NormNets.inDoublePrecision(() -> {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE).updater(new NoOp()).list()
                .layer(new ConvolutionLayer.Builder(2, 2).nOut(3).activation(Activation.TANH).build())
                .layer(new GhostBatchNormalization(3))
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(4, 4, 2)).build();
        var net = new MultiLayerNetwork(conf);
        net.init();
        INDArray x = NormNets.features(DataType.DOUBLE, 6, 2, 4, 4), y = NormNets.labels(DataType.DOUBLE, 6);
        INDArray out = net.feedForward(x, true).get(2);
        for (int start = 0; start < 6; start += 3) {
            INDArray ghost = out.get(NDArrayIndex.interval(start, start + 3));
            assertEquals(0, ghost.mean(0, 2, 3).amaxNumber().doubleValue(), 1e-9, "ghost batch at " + start);
        }
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-8).excludeParams(Set.of("1_mean", "1_var"))));
        });
    }

    @Test
    void testTimeUsesTheRunningStatistics() {
        var net = NormNets.dense(new GhostBatchNormalization(4), DataType.FLOAT, new Sgd(0.1));
        INDArray x = NormNets.features(DataType.FLOAT, 12, 5), y = NormNets.labels(DataType.FLOAT, 12);
        for (int step = 0; step < 3; step++) {
            net.fit(x, y);
        }
        INDArray alone = net.output(x.get(NDArrayIndex.interval(0, 1)), false);
        assertEquals(0, alone.sub(net.output(x, false).get(NDArrayIndex.interval(0, 1))).amaxNumber().doubleValue(), 1e-6,
                "an example's test output does not depend on its batch");
        assertTrue(net.getParam("1_var").sub(1).amaxNumber().doubleValue() > 1e-3, "running variance moved from 1");
    }

    @Test
    void savesAndRestoresWithItsGhostSize(@TempDir Path dir) throws Exception {
        var net = NormNets.dense(new GhostBatchNormalization(4), DataType.FLOAT, new Sgd(0.1));
        File file = dir.resolve("net.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        var restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        var layer = assertInstanceOf(GhostBatchNormalization.class, restored.getLayerWiseConfigurations().getConf(1).getLayer());
        assertEquals(4, layer.ghostSize());
        assertEquals(net.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
        assertEquals(net.params(), restored.params());
    }

    @Test
    void rejectsAGhostBatchOfOne() {
        var e = assertThrows(IllegalArgumentException.class, () -> new GhostBatchNormalization(1));
        assertEquals("ghostSize: expected at least 2 examples, got 1", e.getMessage());
    }
}
