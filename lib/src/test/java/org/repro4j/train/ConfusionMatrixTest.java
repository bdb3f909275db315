package org.repro4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {

    @Test
    void countsEachTruePredictedPairInItsCell() {
        var table = ConfusionMatrix.of(new int[] {0, 0, 1, 2, 2, 2}, new int[] {0, 1, 1, 2, 2, 0}, List.of("a", "b", "c"));
        assertEquals(List.of("actual", "a", "b", "c"), table.columnNames());
        assertEquals(List.of("a", "b", "c"), table.stringColumn("actual").asList());
        assertEquals(List.of(1, 0, 1), table.intColumn("a").asList());
        assertEquals(List.of(1, 1, 0), table.intColumn("b").asList());
        assertEquals(List.of(0, 0, 2), table.intColumn("c").asList());
    }

    @Test
    void mismatchedLengthsAndOutOfRangeClassesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.of(new int[] {0, 1}, new int[] {0}, List.of("a", "b")));
        assertEquals("predicted: expected 2 predictions (one per label), got 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.of(new int[] {0, 2}, new int[] {0, 1}, List.of("a", "b")));
        assertEquals("actual[1]: expected a class in [0, 2), got 2", e.getMessage());
    }
}
