package org.repro4j.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Sgd;
import org.repro4j.models.Models;

class WeightChangeTest {

    @Test
    void relativeChangeOfEachWeightTensor() {
        var initial = Models.mlp(3, List.of(4), 2, new Sgd(0.1), 1);
        var trained = initial.clone();
        trained.getParam("0_W").muli(1.5);        // moved by half its norm
        trained.getParam("0_b").addi(10);         // biases are not weights: not reported
        trained.getParam("1_W").assign(trained.getParam("1_W").neg());  // W -> -W: moved by twice its norm
        var table = WeightChange.relative(initial, trained);
        assertEquals(List.of("0_W", "1_W"), table.stringColumn("param").asList());
        assertEquals(0.5, table.doubleColumn("relativeChange").get(0), 1e-6);
        assertEquals(2.0, table.doubleColumn("relativeChange").get(1), 1e-6);
        assertEquals(initial.getParam("0_W").norm2Number().doubleValue(), table.doubleColumn("initialNorm").get(0), 1e-5);
    }

    @Test
    void untrainedNetworkHasNotMoved() {
        var net = Models.mlp(3, List.of(4), 2, new Sgd(0.1), 1);
        var table = WeightChange.relative(net, net.clone());
        assertEquals(List.of(0.0, 0.0), table.doubleColumn("relativeChange").asList());
    }

    @Test
    void rejectsDifferentArchitecturesAndZeroInitialWeights() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> WeightChange.relative(Models.mlp(3, List.of(4), 2, new Sgd(0.1), 1), Models.mlp(3, List.of(), 2, new Sgd(0.1), 1)));
        assertEquals("trained: expected the parameters [0_W, 0_b, 1_W, 1_b] of initial, got [0_W, 0_b]", e.getMessage());
        var zero = Models.mlp(3, List.of(4), 2, new Sgd(0.1), 1);
        zero.getParam("1_W").assign(0);
        e = assertThrows(IllegalArgumentException.class, () -> WeightChange.relative(zero, zero.clone()));
        assertEquals("1_W: the initial weights are all zero, relative change undefined", e.getMessage());
    }
}
