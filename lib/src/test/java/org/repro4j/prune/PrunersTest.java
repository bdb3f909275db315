package org.repro4j.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

class PrunersTest {

    static final List<String> NAMES = Pruners.NAMES;

    private final MultiLayerNetwork net = Tiny.mlp(2);
    private final DataSet batch = Tiny.batch(8, 1);
    private final Masks start = Pruners.get("random", 9).prune(net, Masks.dense(net), 0.8, batch);

    @Test
    void namesListTheGradientPrunersInOrder() {
        assertEquals(List.of("random", "magnitude", "snip", "grasp", "synflow"), Pruners.NAMES);
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Pruners.get("snap", 0));
        assertEquals("pruner: unknown 'snap'; known: random, magnitude, snip, grasp, synflow", e.getMessage());
    }

    @ParameterizedTest
    @FieldSource("NAMES")
    void keepsTheExactCountWithinTheCurrentMaskAndLeavesTheNetAlone(String name) {
        double[] before = Tiny.params(net);
        Masks masks = Pruners.get(name, 4).prune(net, start, 0.5, batch);
        assertEquals(Math.round(0.5 * start.size()), masks.remaining());
        assertTrue(masks.within(start), "revived a pruned weight");
        assertArrayEquals(before, Tiny.params(net));
    }

    @ParameterizedTest
    @FieldSource("NAMES")
    void rejectsADensityOutsideZeroToTheCurrentOne(String name) {
        Pruner pruner = Pruners.get(name, 4);
        for (double density : new double[] {0, 0.9, 1.5}) {
            var e = assertThrows(IllegalArgumentException.class, () -> pruner.prune(net, start, density, batch));
            assertEquals("density: expected a density in (0, " + start.density()
                    + "] (pruning cannot revive weights), got " + density, e.getMessage());
        }
    }
}
