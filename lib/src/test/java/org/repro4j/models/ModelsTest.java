package org.repro4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.repro4j.norm.GhostBatchNormalization;

class ModelsTest {

    @Test
    void lenet300100HasTheLayerShapesAndParameterCountOfThePaper() {
        var net = Models.lenet300100(1);
        assertArrayEquals(new long[] {784, 300}, net.getParam("0_W").shape());
        assertArrayEquals(new long[] {300, 100}, net.getParam("1_W").shape());
        assertArrayEquals(new long[] {100, 10}, net.getParam("2_W").shape());
        // 784*300 + 300 + 300*100 + 100 + 100*10 + 10 (Frankle & Carbin 2019, Figure 2: 266k weights)
        assertEquals(266_610, net.numParams());
        var adam = (Adam) net.getLayer(0).conf().getLayer().getUpdaterByParam("W");
        assertEquals(1.2e-3, adam.getLearningRate(), 0);
    }

    @Test
    void sameSeedGivesTheSameWeightsAndAnotherSeedDoesNot() {
        var a = Models.lenet300100(7).params();
        assertEquals(a, Models.lenet300100(7).params());
        assertTrue(!a.equals(Models.lenet300100(8).params()));
    }

    @Test
    void heInitialisationGivesTheFirstLayerStandardDeviationSqrtTwoOverFanIn() {
        var w = Models.mlp(2000, List.of(1000), 2, new Sgd(0.1), 3).getParam("0_W");
        assertEquals(Math.sqrt(2.0 / 2000), w.stdNumber().doubleValue(), 0.01 * Math.sqrt(2.0 / 2000));
        assertEquals(0, w.meanNumber().doubleValue(), 1e-3);
    }

    @Test
    void invalidShapesAreRejectedNamingTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> Models.mlp(784, List.of(300, 0), 10, new Sgd(0.1), 1));
        assertEquals("hidden[1]: expected a width of at least 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Models.mlp(784, List.of(), 1, new Sgd(0.1), 1));
        assertEquals("classes: expected at least 2, got 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Models.mlp(0, List.of(), 2, new Sgd(0.1), 1));
        assertEquals("inputs: expected at least 1, got 0", e.getMessage());
    }

    @Test
    void hiddenNormPutsBatchNormBeforeTheReluAndLayerNormInsideTheDenseLayer() {
        var bn = Models.mlp(6, List.of(5, 4), 3, new Sgd(0.1), 1, Models.HiddenNorm.BATCH);
        assertEquals(List.of("0_W", "0_b", "1_gamma", "1_beta", "1_mean", "1_log10stdev", "3_W", "3_b", "4_gamma", "4_beta", "4_mean",
                "4_log10stdev", "6_W", "6_b"), List.copyOf(bn.paramTable().keySet()));
        var ln = Models.mlp(6, List.of(5, 4), 3, new Sgd(0.1), 1, Models.HiddenNorm.LAYER);
        assertEquals(List.of("0_W", "0_b", "0_g", "1_W", "1_b", "1_g", "2_W", "2_b"), List.copyOf(ln.paramTable().keySet()),
                "a gain per hidden unit, none on the output layer");
        assertEquals(Models.mlp(6, List.of(5, 4), 3, new Sgd(0.1), 1).paramTable().keySet(),
                Models.mlp(6, List.of(5, 4), 3, new Sgd(0.1), 1, Models.HiddenNorm.NONE).paramTable().keySet());
    }

    @Test
    void batchNormOutputsDependOnTheBatchInTrainingAndLayerNormOutputsDoNot() {
        Nd4j.getRandom().setSeed(4);
        INDArray batch = Nd4j.rand(DataType.FLOAT, 8, 6);
        INDArray firstFour = batch.get(NDArrayIndex.interval(0, 4), NDArrayIndex.all()).dup();
        for (var norm : Models.HiddenNorm.values()) {
            var net = Models.mlp(6, List.of(5), 3, new Sgd(0.1), 1, norm);
            double change = net.output(batch, true).get(NDArrayIndex.interval(0, 4), NDArrayIndex.all())
                    .sub(net.output(firstFour, true)).amaxNumber().doubleValue();
            if (norm == Models.HiddenNorm.BATCH) {
                assertTrue(change > 1e-3, "batch norm in training mode normalises over the batch: " + change);
            } else {
                assertEquals(0, change, 1e-6, norm + ": each example's output is its own");
            }
        }
    }

    @Test
    void ghostBatchNormMlpPutsGhostBatchNormBeforeTheReluOfEveryHiddenLayer() {
        var net = Models.mlp(6, List.of(5, 4), 3, new Sgd(0.1), 1, 4);
        assertEquals(List.of("0_W", "0_b", "1_gamma", "1_beta", "1_mean", "1_var", "3_W", "3_b", "4_gamma", "4_beta", "4_mean",
                "4_var", "6_W", "6_b"), List.copyOf(net.paramTable().keySet()));
        for (int layer : new int[] {1, 4}) {
            var norm = assertInstanceOf(GhostBatchNormalization.class, net.getLayerWiseConfigurations().getConf(layer).getLayer());
            assertEquals(4, norm.ghostSize());
        }
        assertEquals(Models.mlp(6, List.of(5, 4), 3, new Sgd(0.1), 1, Models.HiddenNorm.BATCH).getParam("0_W"), net.getParam("0_W"),
                "the same weights as plain batch norm for the same seed");
    }

    @Test
    void ghostBatchNormNormalisesEachGhostBatchAsIfItWereTheWholeBatch() {
        Nd4j.getRandom().setSeed(4);
        INDArray batch = Nd4j.rand(DataType.FLOAT, 8, 6);
        var net = Models.mlp(6, List.of(5), 3, new Sgd(0.1), 1, 4);
        for (int start : new int[] {0, 4}) {
            INDArray ghost = batch.get(NDArrayIndex.interval(start, start + 4), NDArrayIndex.all()).dup();
            double change = net.output(batch, true).get(NDArrayIndex.interval(start, start + 4), NDArrayIndex.all())
                    .sub(net.output(ghost, true)).amaxNumber().doubleValue();
            assertEquals(0, change, 1e-6, "ghost batch at " + start + " in training mode: as if alone");
        }
    }

    @Test
    void aGhostBatchOfOneIsRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> Models.mlp(6, List.of(), 3, new Sgd(0.1), 1, 1));
        assertEquals("ghostSize: expected at least 2, got 1", e.getMessage());
    }

    @Test
    void unknownNormNamesAreRejectedListingTheKnownOnes() {
        assertEquals(Models.HiddenNorm.LAYER, Models.HiddenNorm.of("Layer"));
        var e = assertThrows(IllegalArgumentException.class, () -> Models.HiddenNorm.of("group"));
        assertEquals("norm: unknown normalisation 'group'; known: none, batch, layer", e.getMessage());
    }

    @Test
    void resnetHasBatchNormAfterEveryBiasFreeConvolutionAndAProjectionWhereTheStageDownsamples() {
        var net = Models.resnet(1, 8, 8, 1, List.of(2, 4), 3, new Adam(1e-3), 1);
        // stem 1->2 3x3 (18) + BN(2); block 1: two 2->2 3x3 (36 each) + 2 BN(2); block 2: 2->4 (72), 4->4 (144),
        // 1x1 projection 2->4 (8), 3 BN(4); softmax 4->3 (15); a BN layer of c channels holds 4c values
        assertEquals(18 + 8 + 2 * (36 + 8) + 72 + 144 + 8 + 3 * 16 + 15, net.numParams());
        assertArrayEquals(new long[] {4, 2, 3, 3}, net.getParam("s2b1_1_conv_W").shape());
        assertArrayEquals(new long[] {4, 2, 1, 1}, net.getParam("s2b1_proj_conv_W").shape());
        assertTrue(net.paramTable().keySet().stream().noneMatch(key -> key.endsWith("conv_b")), "no convolution has a bias");
        assertArrayEquals(new long[] {5, 3}, net.outputSingle(Nd4j.rand(DataType.FLOAT, 5, 64)).shape());
        assertEquals(net.params(), Models.resnet(1, 8, 8, 1, List.of(2, 4), 3, new Adam(1e-3), 1).params());
    }

    @Test
    void resnetDepthIsSixNPlusTwoWithThreeStages() {
        var net = Models.resnet(1, 8, 8, 2, List.of(2, 2, 2), 2, new Adam(1e-3), 1);
        long weighted = net.paramTable().keySet().stream()
                .filter(key -> key.endsWith("conv_W") && !key.contains("proj") || key.equals("out_W")).count();
        assertEquals(6 * 2 + 2, weighted);
    }

    @Test
    void resnetRejectsInvalidShapesNamingTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> Models.resnet(1, 8, 8, 0, List.of(2), 3, new Adam(1e-3), 1));
        assertEquals("blocksPerStage: expected at least 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Models.resnet(1, 8, 8, 1, List.of(2, 0), 3, new Adam(1e-3), 1));
        assertEquals("stageWidths[1]: expected at least 1 channel, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Models.resnet(1, 8, 8, 1, List.of(), 3, new Adam(1e-3), 1));
        assertEquals("stageWidths: expected at least one stage, got none", e.getMessage());
    }
}
