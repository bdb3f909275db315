package org.repro4j.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.models.Models;

class SelectionTest {

    @Test
    void kthSmallestIsTheValueASortWouldPutAtIndexK() {
        var random = new SplittableRandom(9);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(300);
            int distinct = 1 + random.nextInt(trial % 2 == 0 ? 5 : 1000);  // many ties, or few
            double[] a = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = random.nextInt(distinct) * 0.5;
            }
            double[] sorted = a.clone();
            Arrays.sort(sorted);
            int k = random.nextInt(n);
            assertEquals(sorted[k], Selection.kthSmallest(a.clone(), k), 0, "n " + n + ", k " + k);
        }
    }

    @Test
    void kthSmallestOfManyValuesGoesByRadixPassesToTheSameValue() {
        var random = new SplittableRandom(10);
        for (int trial = 0; trial < 12; trial++) {
            int n = 5_000 + random.nextInt(60_000);
            double[] a = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = switch (trial % 4) {
                    case 0 -> random.nextGaussian();                                     // both signs
                    case 1 -> Math.abs(random.nextGaussian()) * 1e-3;                    // magnitudes, one narrow range
                    case 2 -> random.nextInt(7) - 3;                                     // few values, -0.0 among the zeros
                    default -> i % 5 == 0 ? Double.NEGATIVE_INFINITY : random.nextDouble() * 1e300;
                };
                if (trial % 4 == 2 && a[i] == 0 && i % 2 == 0) {
                    a[i] = -0.0;
                }
            }
            double[] sorted = a.clone();
            Arrays.sort(sorted);
            for (int k : new int[] {0, n / 3, n / 2, n - 1, random.nextInt(n)}) {
                assertEquals(sorted[k], Selection.kthSmallest(a.clone(), k), 0, "trial " + trial + ", n " + n + ", k " + k);
            }
        }
    }

    private static final org.deeplearning4j.nn.multilayer.MultiLayerNetwork NET = Models.mlp(3, List.of(2), 2, new Adam(0.01), 1);

    /** Scores 0..5 for 0_W ([3, 2]) and 6..9 for 1_W ([2, 2]). */
    private static Map<String, org.nd4j.linalg.api.ndarray.INDArray> counting() {
        return Map.of("0_W", Nd4j.arange(0, 6).reshape(3, 2), "1_W", Nd4j.arange(6, 10).reshape(2, 2));
    }

    @Test
    void globalSelectionKeepsExactlyTheHighestScores() {
        var masks = Selection.global(NET, Masks.dense(NET), counting(), 0.5);  // 5 of 10
        assertEquals(Nd4j.createFromArray(new float[][] {{0, 0}, {0, 0}, {0, 1}}), masks.get("0_W"));
        assertEquals(Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 2), masks.get("1_W"));
        assertEquals(5, masks.remaining());
    }

    @Test
    void tiesGoToTheLowerIndexAndTheCountStaysExact() {
        var flat = Map.of("0_W", Nd4j.ones(3, 2), "1_W", Nd4j.ones(2, 2));
        var masks = Selection.global(NET, Masks.dense(NET), flat, 0.3);
        assertEquals(3, masks.remaining());
        assertEquals(Nd4j.createFromArray(new float[][] {{1, 1}, {1, 0}, {0, 0}}), masks.get("0_W"));
    }

    @Test
    void prunedWeightsAreNeverRevivedWhateverTheirScore() {
        var first = Selection.global(NET, Masks.dense(NET), counting(), 0.5);
        var reversed = Map.of("0_W", Nd4j.arange(10, 4, -1).reshape(3, 2), "1_W", Nd4j.arange(4, 0, -1).reshape(2, 2));
        var second = Selection.global(NET, first, reversed, 0.2);
        assertEquals(2, second.remaining());
        assertTrue(second.within(first));
    }

    @Test
    void layerwiseSelectionKeepsEachLayersShare() {
        var masks = Selection.layerwise(NET, Masks.dense(NET), counting(), Map.of("0_W", 0.5, "1_W", 0.25));
        assertEquals(3, masks.remaining("0_W"));
        assertEquals(1, masks.remaining("1_W"));
        assertEquals(1f, masks.get("1_W").getFloat(1, 1));  // score 9, the highest
    }

    @Test
    void aLayerwiseDensityOfZeroEmptiesTheLayerAsACollapsedMaskDoes() {
        var collapsed = Selection.layerwise(NET, Masks.dense(NET), counting(), Map.of("0_W", 0.0, "1_W", 0.5));
        assertEquals(0, collapsed.remaining("0_W"));
        assertEquals(2, collapsed.remaining("1_W"));
        var shuffled = Densities.randomMasks(NET, Densities.of(collapsed), 3);  // a collapsed mask can be shuffled
        assertEquals(0, shuffled.remaining("0_W"));
        assertEquals(2, shuffled.remaining("1_W"));
        var negative = assertThrows(IllegalArgumentException.class,
                () -> Selection.layerwise(NET, collapsed, counting(), Map.of("1_W", -0.1)));
        assertEquals("densities['1_W']: expected a density in [0, 0.5] (pruning cannot revive weights), got -0.1", negative.getMessage());
    }

    @Test
    void impossibleDensitiesAreRefused() {
        var half = Selection.global(NET, Masks.dense(NET), counting(), 0.5);
        var revive = assertThrows(IllegalArgumentException.class, () -> Selection.global(NET, half, counting(), 0.8));
        assertEquals("density: expected a density in (0, 0.5] (pruning cannot revive weights), got 0.8", revive.getMessage());
        var zero = assertThrows(IllegalArgumentException.class, () -> Selection.global(NET, half, counting(), 0));
        assertEquals("density: expected a density in (0, 0.5] (pruning cannot revive weights), got 0.0", zero.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class,
                () -> Selection.layerwise(NET, half, counting(), Map.of("2_W", 0.5)));
        assertEquals("densities: unknown layer '2_W'; known: [0_W, 1_W]", unknown.getMessage());
        var badScores = assertThrows(IllegalArgumentException.class,
                () -> Selection.global(NET, half, Map.of("0_W", Nd4j.ones(2, 3), "1_W", Nd4j.ones(2, 2)), 0.1));
        assertEquals("scores['0_W']: expected shape [3, 2], got [2, 3]", badScores.getMessage());
    }
}
