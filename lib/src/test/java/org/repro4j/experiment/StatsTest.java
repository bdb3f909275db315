package org.repro4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void summariesOfFourValuesMatchTheirHandComputation() {
        // mean 5; squared deviations 9, 1, 1, 9 sum to 20; sd = sqrt(20 / 3); se = sd / 2
        double[] v = {2, 4, 6, 8};
        assertEquals(5, Stats.mean(v), 0);
        assertEquals(Math.sqrt(20.0 / 3), Stats.sd(v), 1e-15);
        assertEquals(Math.sqrt(20.0 / 3) / 2, Stats.standardError(v), 1e-15);
    }

    @Test
    void meanAndErrorOverItemsAppliesTheValueToEach() {
        var estimate = Stats.meanAndError(List.of(1L, 2L, 3L, 4L), seed -> 2.0 * seed);
        assertEquals(new Stats.Estimate(5, Math.sqrt(20.0 / 3) / 2), estimate);
    }

    @Test
    void oneValueHasNoSpread() {
        assertEquals(3.5, Stats.mean(3.5), 0);
        assertEquals(0, Stats.sd(3.5), 0);
        assertEquals(0, Stats.standardError(3.5), 0);
    }

    @Test
    void emptyOrNonFiniteValuesAreRefusedByPosition() {
        var empty = assertThrows(IllegalArgumentException.class, () -> Stats.mean());
        assertEquals("values: expected at least one value, got none", empty.getMessage());
        var nan = assertThrows(IllegalArgumentException.class, () -> Stats.sd(1, Double.NaN));
        assertEquals("values[1]: expected a finite number, got NaN", nan.getMessage());
    }
}
