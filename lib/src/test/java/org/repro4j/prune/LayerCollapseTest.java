package org.repro4j.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.models.Models;

class LayerCollapseTest {

    private static final org.deeplearning4j.nn.multilayer.MultiLayerNetwork NET = Models.mlp(2, List.of(2, 2), 2, new Adam(0.01), 1);

    @Test
    void aChainOfSingleKeptWeightsIsAPath() {
        // input 1 -> hidden1 0 -> hidden2 1 -> output 0
        var masks = Masks.of(NET, Map.of(
                "0_W", Nd4j.createFromArray(new float[][] {{0, 0}, {1, 0}}),
                "1_W", Nd4j.createFromArray(new float[][] {{0, 1}, {0, 0}}),
                "2_W", Nd4j.createFromArray(new float[][] {{0, 0}, {1, 0}})));
        assertTrue(LayerCollapse.pathExists(masks));
        assertEquals(List.of(false, false, false), LayerCollapse.report(masks).booleanColumn("collapsed").asList());
    }

    @Test
    void keptWeightsThatDoNotJoinUpAreNoPath() {
        // hidden1 unit 0 is reached, but layer 2 only leaves from hidden1 unit 1
        var masks = Masks.of(NET, Map.of(
                "0_W", Nd4j.createFromArray(new float[][] {{1, 0}, {0, 0}}),
                "1_W", Nd4j.createFromArray(new float[][] {{0, 0}, {1, 1}}),
                "2_W", Nd4j.ones(2, 2)));
        assertFalse(LayerCollapse.pathExists(masks));
    }

    @Test
    void anEmptyLayerIsReportedCollapsed() {
        var masks = Masks.of(NET, Map.of("0_W", Nd4j.ones(2, 2), "1_W", Nd4j.zeros(2, 2), "2_W", Nd4j.ones(2, 2)));
        assertFalse(LayerCollapse.pathExists(masks));
        assertEquals(List.of(false, true, false), LayerCollapse.report(masks).booleanColumn("collapsed").asList());
    }
}
