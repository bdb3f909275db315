package org.repro4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

class CurvesTest {

    /** Evaluations at iterations 0, 10, 20, 30, 40 of a "train" and a "test" split, rows out of order. */
    private static Table history() {
        Table h = Trainer.emptyHistory();
        double[] train = {2.3, 1.0, 0.8, 0.6, 0.5}, test = {0.1, 0.6, 0.5, 0.7, 0.6};
        for (int i = 4; i >= 0; i--) {
            for (String split : new String[] {"train", "test"}) {
                h.doubleColumn("epoch").append(i / 4.0);
                h.intColumn("iteration").append(10 * i);
                h.stringColumn("split").append(split);
                h.doubleColumn("loss").append(split.equals("train") ? train[i] : -train[i]);
                h.doubleColumn("accuracy").append(split.equals("train") ? 1 - train[i] / 3 : test[i]);
            }
        }
        return h;
    }

    @Test
    void meanAfterStartLeavesOutTheUntrainedNetwork() {
        assertEquals((1.0 + 0.8 + 0.6 + 0.5) / 4, Curves.meanAfterStart(history(), "train", "loss"), 1e-12);
    }

    @Test
    void lastMeanAveragesTheLastEvaluationsInIterationOrder() {
        assertEquals((0.6 + 0.5) / 2, Curves.lastMean(history(), "train", "loss", 2), 1e-12);
        assertEquals(0.6, Curves.lastMean(history(), "test", "accuracy", 1), 1e-12);
    }

    @Test
    void meanAbsChangeMeasuresJumpsFromTheGivenIterationOn() {
        // test accuracy from iteration 20: 0.5 -> 0.7 -> 0.6
        assertEquals((0.2 + 0.1) / 2, Curves.meanAbsChange(history(), "test", "accuracy", 20), 1e-12);
        assertEquals((0.5 + 0.1 + 0.2 + 0.1) / 4, Curves.meanAbsChange(history(), "test", "accuracy", 0), 1e-12);
    }

    @Test
    void unknownSplitsColumnsAndTooShortCurvesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> Curves.meanAfterStart(history(), "validation", "loss"));
        assertEquals("split: expected one of test, train, got 'validation'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Curves.meanAfterStart(history(), "train", "error"));
        assertTrue(e.getMessage().startsWith("column: expected one of"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Curves.meanAbsChange(history(), "train", "loss", 40));
        assertEquals("from: expected at least 2 evaluations of split 'train' at or after iteration 40, got 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Curves.lastMean(history(), "train", "loss", 6));
        assertEquals("k: expected at most the 5 evaluations of split 'train', got 6", e.getMessage());
    }
}
