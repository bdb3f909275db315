package org.repro4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.repro4j.experiment.Claim.Direction;
import org.repro4j.experiment.Claim.Verdict;

class ClaimTest {

    private static Claim claim(double ours, double spread, Direction direction, Scale scale) {
        return new Claim("ticket matches dense", "Fashion-MNIST", 0.90, ours, spread, 0.01, direction, scale);
    }

    @Test
    void atLeastIsReproducedWithinToleranceBelowThePaper() {
        assertEquals(Verdict.REPRODUCED, claim(0.895, 0, Direction.AT_LEAST, Scale.LAPTOP).verdict());
        assertEquals(Verdict.REPRODUCED, claim(0.95, 0, Direction.AT_LEAST, Scale.LAPTOP).verdict());
        assertEquals(Verdict.NOT_REPRODUCED, claim(0.88, 0, Direction.AT_LEAST, Scale.LAPTOP).verdict());
    }

    @Test
    void atMostMirrorsAtLeast() {
        assertEquals(Verdict.REPRODUCED, claim(0.905, 0, Direction.AT_MOST, Scale.PAPER).verdict());
        assertEquals(Verdict.NOT_REPRODUCED, claim(0.92, 0, Direction.AT_MOST, Scale.PAPER).verdict());
    }

    @Test
    void withinNeedsBothSidesOfTheBand() {
        assertEquals(Verdict.REPRODUCED, claim(0.905, 0.002, Direction.WITHIN, Scale.LAPTOP).verdict());
        assertEquals(Verdict.NOT_REPRODUCED, claim(0.80, 0.01, Direction.WITHIN, Scale.LAPTOP).verdict());
        assertEquals(Verdict.INCONCLUSIVE, claim(0.90, 0.05, Direction.WITHIN, Scale.LAPTOP).verdict());
    }

    @Test
    void aSpreadThatStraddlesTheThresholdIsInconclusive() {
        assertEquals(Verdict.INCONCLUSIVE, claim(0.89, 0.005, Direction.AT_LEAST, Scale.LAPTOP).verdict());
        assertEquals(Verdict.NOT_REPRODUCED, claim(0.87, 0.005, Direction.AT_LEAST, Scale.LAPTOP).verdict());
    }

    @Test
    void smokeScaleConcludesNothing() {
        assertEquals(Verdict.INCONCLUSIVE, claim(0.95, 0, Direction.AT_LEAST, Scale.SMOKE).verdict());
        assertEquals("inconclusive at this scale", Verdict.INCONCLUSIVE.toString());
    }

    @Test
    void tableHasOneRowPerClaimWithItsVerdict() {
        var table = Claim.table(List.of(claim(0.95, 0, Direction.AT_LEAST, Scale.LAPTOP), claim(0.5, 0, Direction.AT_LEAST, Scale.LAPTOP)));
        assertEquals(List.of("claim", "dataset", "paper", "ours", "±", "tolerance", "direction", "scale", "verdict"), table.columnNames());
        assertEquals(List.of("reproduced", "not reproduced"), table.stringColumn("verdict").asList());
        assertEquals(List.of(0.95, 0.5), table.doubleColumn("ours").asList());
    }

    @Test
    void aClaimWhosePreconditionFailsIsInconclusive() {
        Claim holds = claim(0.95, 0, Direction.AT_LEAST, Scale.LAPTOP), fails = claim(0.5, 0, Direction.AT_LEAST, Scale.LAPTOP);
        Claim strong = claim(0.99, 0, Direction.AT_LEAST, Scale.LAPTOP), weak = claim(0.8, 0, Direction.AT_LEAST, Scale.LAPTOP);
        assertEquals(Verdict.REPRODUCED, strong.requiring(holds).verdict());
        assertEquals(Verdict.INCONCLUSIVE, strong.requiring(holds, fails).verdict());
        assertEquals(Verdict.INCONCLUSIVE, strong.requiring(claim(0.89, 0.005, Direction.AT_LEAST, Scale.LAPTOP)).verdict(),
                "an inconclusive precondition does not count either");
        assertEquals(Verdict.NOT_REPRODUCED, weak.requiring(holds).verdict());
        assertEquals(List.of(holds), strong.requiring(holds).given());
        assertEquals(List.of(), strong.given());
    }

    @Test
    void theTableNamesPreconditionsOnlyWhenThereAreAny() {
        Claim fails = new Claim("small N memorises", "data", 0.95, 0.5, 0, 0, Direction.AT_LEAST, Scale.LAPTOP);
        var table = Claim.table(List.of(fails, claim(0.99, 0, Direction.AT_LEAST, Scale.LAPTOP).requiring(fails)));
        assertEquals("given", table.columnNames().get(9));
        assertEquals(List.of("", "small N memorises (not reproduced)"), table.stringColumn("given").asList());
        assertEquals(List.of("not reproduced", "inconclusive at this scale"), table.stringColumn("verdict").asList());
        assertEquals(9, Claim.table(List.of(fails)).columnCount());
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Claim("c", "d", 0, 0, 0, 0, Direction.AT_LEAST, Scale.LAPTOP, null));
        assertEquals("given: expected a list of preconditions (empty for none), got null", e.getMessage());
    }

    @Test
    void ofSeedsTakesTheMeanAndItsStandardError() {
        var claim = Claim.ofSeeds("gap", "data", 0, new double[] {1, 2, 3}, 0, Direction.AT_LEAST, Scale.LAPTOP);
        assertEquals(2, claim.ours(), 1e-12);
        assertEquals(1 / Math.sqrt(3), claim.spread(), 1e-12, "sd 1 over sqrt(3)");
        assertEquals(Verdict.REPRODUCED, claim.verdict());
        assertEquals(0, Claim.ofSeeds("gap", "data", 0, new double[] {-4}, 0, Direction.AT_LEAST, Scale.LAPTOP).spread(), "one seed");
    }

    @Test
    void ofSeedsRejectsNoValuesAndNonFiniteOnes() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Claim.ofSeeds("gap", "data", 0, new double[0], 0, Direction.AT_LEAST, Scale.LAPTOP));
        assertEquals("perSeed: expected at least one value, got none", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Claim.ofSeeds("gap", "data", 0, new double[] {1, Double.NaN}, 0, Direction.AT_LEAST, Scale.LAPTOP));
        assertEquals("values[1]: expected a finite number, got NaN", e.getMessage());
    }

    @Test
    void invalidNumbersAreRejectedNamingTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> claim(Double.NaN, 0, Direction.AT_LEAST, Scale.LAPTOP));
        assertEquals("ours: expected a finite number, got NaN", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> claim(0.9, -1, Direction.AT_LEAST, Scale.LAPTOP));
        assertEquals("spread and tolerance: expected >= 0, got -1.0 and 0.01", e.getMessage());
    }
}
