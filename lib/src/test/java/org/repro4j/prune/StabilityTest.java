package org.repro4j.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.Fixtures;
import org.repro4j.models.Models;
import org.repro4j.train.Evaluation;

class StabilityTest {

    @Test
    void theEndsOfThePathAreTheTwoNetworksAndNeitherChanges() {
        var a = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1);
        var b = Models.mlp(4, List.of(8), 2, new Adam(0.01), 2);
        var before = a.params().dup();
        var data = Fixtures.blobs(64, 1);
        var path = Stability.path(a, b, data, 5);
        assertEquals(List.of(0.0, 0.25, 0.5, 0.75, 1.0), path.doubleColumn("alpha").asList());
        assertEquals(1 - Evaluation.of(a, data).accuracy(), path.doubleColumn("error").get(0), 1e-12);
        assertEquals(1 - Evaluation.of(b, data).accuracy(), path.doubleColumn("error").get(4), 1e-12);
        assertEquals(before, a.params());
    }

    @Test
    void convNetsWalkTheirPathToo() {
        var a = Models.conv(1, 4, 4, List.of(2), List.of(3), 2, new Adam(0.01), 1);
        var b = Models.conv(1, 4, 4, List.of(2), List.of(3), 2, new Adam(0.01), 2);
        var data = new org.repro4j.data.Dataset("images", org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 10, 16),
                new int[] {0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, 1, 4, 4, List.of("a", "b"));
        var path = Stability.path(a, b, data, 3);
        assertEquals(1 - Evaluation.of(a, data).accuracy(), path.doubleColumn("error").get(0), 1e-12);
        assertEquals(1 - Evaluation.of(b, data).accuracy(), path.doubleColumn("error").get(2), 1e-12);
    }

    @Test
    void theBarrierIsTheRiseAboveTheEndsMean() {
        var path = tech.tablesaw.api.Table.create("path",
                tech.tablesaw.api.DoubleColumn.create("alpha", 0, 0.5, 1),
                tech.tablesaw.api.DoubleColumn.create("error", 0.1, 0.4, 0.2));
        assertEquals(0.25, Stability.barrier(path), 1e-12);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Stability.path(Models.mlp(4, List.of(8), 2, new Adam(0.01), 1), Models.mlp(4, List.of(9), 2, new Adam(0.01), 1),
                        Fixtures.blobs(8, 1), 3));
        assertEquals("b: expected a network like a, with 58 parameters, got 65", e.getMessage());
    }
}
