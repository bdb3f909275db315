package org.repro4j.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.models.Models;

class DensitiesTest {

    @Test
    void erkFollowsItsFormulaAndKeepsTheGlobalDensity() {
        var net = Models.mlp(100, List.of(50), 10, new Adam(0.01), 1);  // 5000 + 500 weights
        var masks = Masks.dense(net);
        var d = Densities.erk(masks, 0.2);
        // density_l = eps * (nIn + nOut) / (nIn * nOut); 0.2 * 5500 = eps * (150 + 60)
        double eps = 0.2 * 5500 / 210.0;
        assertEquals(eps * 150 / 5000, d.get("0_W"), 1e-12);
        assertEquals(eps * 60 / 500, d.get("1_W"), 1e-12);
        var random = Densities.randomMasks(net, d, 5);
        assertEquals(Math.round(d.get("0_W") * 5000) + Math.round(d.get("1_W") * 500), random.remaining());
    }

    @Test
    void erkKeepsALayerDenseWhenItsShareWouldExceedOne() {
        var masks = Masks.dense(Models.mlp(100, List.of(100), 2, new Adam(0.01), 1));  // 10000 + 200 weights
        var d = Densities.erk(masks, 0.5);
        // 1_W's raw share 102/200 would need eps*0.51 > 1, so it stays dense and 0_W takes the rest.
        assertEquals(1.0, d.get("1_W"));
        assertEquals((0.5 * 10200 - 200) / 10000, d.get("0_W"), 1e-12);
    }

    @Test
    void uniformIsTheSameEverywhereAndBadDensitiesAreRefused() {
        var masks = Masks.dense(Models.mlp(4, List.of(8), 2, new Adam(0.01), 1));
        assertEquals(List.of(0.3, 0.3), List.copyOf(Densities.uniform(masks, 0.3).values()));
        var e = assertThrows(IllegalArgumentException.class, () -> Densities.erk(masks, 1.5));
        assertEquals("density: expected a value in (0, 1], got 1.5", e.getMessage());
        assertEquals(Densities.erk(masks, 0.3), Densities.get("erk", masks, 0.3));
        var unknown = assertThrows(IllegalArgumentException.class, () -> Densities.get("snip", masks, 0.3));
        assertEquals("rule: unknown 'snip'; known: uniform, erk", unknown.getMessage());
    }
}
