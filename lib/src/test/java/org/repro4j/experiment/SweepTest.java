package org.repro4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.Fixtures;
import org.repro4j.models.Models;
import org.repro4j.train.Trainer;

class SweepTest {

    @Test
    void stacksTheRunsWithAColumnPerVariedField(@TempDir Path store) {
        var quiet = new PrintStream(OutputStream.nullOutputStream());
        var list = List.of(new KillableRun.Tiny(2, 0.01), new KillableRun.Tiny(2, 0.05));
        var table = Sweep.run(list, h -> Runs.runOrLoad(h, new ResultsStore(store),
                () -> Models.mlp(4, List.of(8), 2, new Adam(h.lr()), 1), Fixtures.blobs(32, 1), Trainer.splits(Fixtures.blobs(32, 1), null, Fixtures.blobs(16, 2)),
                new Trainer.Options(h.epochs(), 8, 3), quiet, List.of()));
        assertEquals(List.of("epoch", "iteration", "split", "loss", "accuracy", "lr"), table.columnNames());
        assertEquals(2 * 3 * 2, table.rowCount());  // two runs, epochs 0..2, train and test
        assertEquals(List.of(0.01, 0.05), table.doubleColumn("lr").unique().asList());
    }

    @Test
    void anEmptySweepIsRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> Sweep.run(List.<KillableRun.Tiny>of(), h -> null));
        assertEquals("hparams: expected at least one record, got none", e.getMessage());
    }
}
