package org.repro4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LrScalingTest {

    private static final double[] GRID = {0.01, 0.02, 0.04, 0.08, 0.16, 0.32};

    /** A loss that is a parabola in ln(lr) with its minimum at {@code optimum}. */
    private static double[] parabola(double optimum) {
        double[] losses = new double[GRID.length];
        for (int i = 0; i < GRID.length; i++) {
            double d = Math.log(GRID[i]) - Math.log(optimum);
            losses[i] = 0.3 + 0.5 * d * d;
        }
        return losses;
    }

    @Test
    void bestLrFindsTheVertexOfAParabolaBetweenGridPoints() {
        var best = LrScaling.bestLr(GRID, parabola(0.05));
        assertEquals(0.05, best.lr(), 1e-12);
        assertFalse(best.atEdge());
    }

    @Test
    void bestLrAtTheGridsEdgeIsTheEdgeAndSaysSo() {
        var best = LrScaling.bestLr(GRID, parabola(1.0));
        assertEquals(0.32, best.lr(), 0);
        assertTrue(best.atEdge());
        assertTrue(LrScaling.bestLr(GRID, parabola(0.001)).atEdge());
    }

    @Test
    void divergedRunsAreNeverBestAndStopTheRefinement() {
        double[] losses = parabola(0.3);  // least at 0.32
        losses[5] = Double.NaN;           // ... which diverged: the best finite point is 0.16, its right neighbour diverged
        var best = LrScaling.bestLr(GRID, losses);
        assertEquals(0.16, best.lr(), 0);
        assertFalse(best.atEdge());
        double[] all = {Double.NaN, Double.POSITIVE_INFINITY, Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        var e = assertThrows(IllegalArgumentException.class, () -> LrScaling.bestLr(GRID, all));
        assertTrue(e.getMessage().startsWith("losses: every run diverged"), e.getMessage());
    }

    @Test
    void largestStableIsTheLargestFiniteRateBelowTheThreshold() {
        double[] losses = {2.0, 1.0, 0.5, 0.7, 2.5, Double.NaN};
        assertEquals(0.08, LrScaling.largestStable(GRID, losses, 2.3026), 0);
        assertTrue(Double.isNaN(LrScaling.largestStable(GRID, losses, 0.1)));
    }

    @Test
    void logLogRecoversAnExactPowerLaw() {
        double[] b = {16, 32, 64, 128}, lr = new double[4];
        for (int i = 0; i < 4; i++) {
            lr[i] = 0.003 * Math.pow(b[i], 0.5);
        }
        var fit = LrScaling.logLog(b, lr);
        assertEquals(0.5, fit.slope(), 1e-12);
        assertEquals(0.003 * Math.sqrt(256), fit.at(256), 1e-12);
    }

    @Test
    void bootstrapOfIdenticalSeedsGivesTheExactSlopeEveryTime() {
        double[] b = {16, 32, 64};
        double[][][] losses = new double[3][2][];
        for (int i = 0; i < 3; i++) {
            double[] row = parabola(0.025 * b[i] / 16);  // best lr linear in the batch size, inside the grid
            losses[i][0] = row;
            losses[i][1] = row.clone();
        }
        double[] slopes = LrScaling.bootstrapSlopes(b, losses, l -> LrScaling.bestLr(GRID, l).lr(), 20, 7);
        for (double s : slopes) {
            assertEquals(1.0, s, 1e-9);
        }
    }

    @Test
    void bootstrapResamplesSeedsSoDifferentSeedsSpreadTheSlopeAndTheSeedFixesIt() {
        double[] b = {16, 64, 256};
        double[][][] losses = new double[3][2][];
        for (int i = 0; i < 3; i++) {
            losses[i][0] = parabola(0.02 * b[i] / 16);
            losses[i][1] = parabola(0.02 * Math.sqrt(b[i] / 16));
        }
        double[] slopes = LrScaling.bootstrapSlopes(b, losses, l -> LrScaling.bestLr(GRID, l).lr(), 200, 3);
        double min = java.util.Arrays.stream(slopes).min().getAsDouble(), max = java.util.Arrays.stream(slopes).max().getAsDouble();
        assertTrue(max - min > 0.1, "slopes should vary between replicates: " + min + " .. " + max);
        assertArrayEquals(slopes, LrScaling.bootstrapSlopes(b, losses, l -> LrScaling.bestLr(GRID, l).lr(), 200, 3));
    }

    @Test
    void meanOverSeedsIsInfiniteWhereAnySeedDiverged() {
        double[] mean = LrScaling.meanOverSeeds(new double[][] {{1, 2, Double.NaN}, {3, 4, 5}});
        assertArrayEquals(new double[] {2, 3, Double.POSITIVE_INFINITY}, mean);
    }

    @Test
    void malformedInputIsRejectedNamingTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> LrScaling.bestLr(new double[] {0.1, 0.05}, new double[] {1, 2}));
        assertTrue(e.getMessage().startsWith("lrs: expected positive, strictly increasing rates"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LrScaling.bestLr(GRID, new double[] {1, 2}));
        assertEquals("lrs, losses: expected two non-empty arrays of the same length, got 6 and 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LrScaling.logLog(new double[] {1, 2}, new double[] {1, -1}));
        assertTrue(e.getMessage().startsWith("x, y: expected positive finite values"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LrScaling.logLog(new double[] {4, 4}, new double[] {1, 2}));
        assertTrue(e.getMessage().startsWith("x: expected at least two different values"), e.getMessage());
    }
}
