package org.repro4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

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
}
