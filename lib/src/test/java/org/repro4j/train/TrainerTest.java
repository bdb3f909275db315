package org.repro4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.Fixtures;
import org.repro4j.models.Models;

class TrainerTest {

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private static Trainer.Options options(int epochs) {
        return new Trainer.Options(epochs, 8, 3);
    }

    @Test
    void learnsSeparableBlobsAndRecordsOneRowPerEpochAndSplit() {
        var net = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1);
        var history = Trainer.fit(net, Fixtures.blobs(64, 1), Fixtures.blobs(32, 2), options(5), QUIET);
        assertEquals(12, history.rowCount());  // epochs 0..5, train and test
        assertEquals(List.of(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5), history.intColumn("epoch").asList());
        assertEquals(40, history.intColumn("iteration").get(11));  // 5 epochs of 64/8 batches
        assertTrue(history.doubleColumn("accuracy").get(11) > 0.95, history.print());
    }

    @Test
    void sameSeedsGiveBitIdenticalCurves() {
        var a = Trainer.fit(Models.mlp(4, List.of(8), 2, new Adam(0.01), 1), Fixtures.blobs(64, 1), Fixtures.blobs(32, 2), options(3), QUIET);
        var b = Trainer.fit(Models.mlp(4, List.of(8), 2, new Adam(0.01), 1), Fixtures.blobs(64, 1), Fixtures.blobs(32, 2), options(3), QUIET);
        assertEquals(a.doubleColumn("loss").asList(), b.doubleColumn("loss").asList());
    }

    @Test
    void interruptStopsBeforeTheNextIteration() {
        // The progress bar draws its first line right after iteration 1; this stream interrupts the thread then.
        var interrupting = new PrintStream(new ByteArrayOutputStream()) {
            @Override
            public void print(String s) {
                Thread.currentThread().interrupt();
            }
        };
        var net = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1);
        var e = assertThrows(TrainingInterruptedException.class,
                () -> Trainer.fit(net, Fixtures.blobs(64, 1), Fixtures.blobs(32, 2), options(2), interrupting));
        assertEquals("training interrupted after iteration 1 of 16", e.getMessage());
        assertTrue(Thread.interrupted(), "the interrupt flag stays set for the caller");
    }

    @Test
    void nonFiniteLossStopsNamingTheIteration() {
        var poisoned = Fixtures.blobs(64, 1);
        poisoned.features().putScalar(0, 0, Float.NaN);
        var net = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1);
        var e = assertThrows(IllegalStateException.class, () -> Trainer.fit(net, poisoned, Fixtures.blobs(32, 2), options(1), QUIET));
        assertTrue(e.getMessage().matches("loss is (NaN|Infinity) at iteration \\d+ \\(epoch \\d+\\)"), e.getMessage());
    }

    @Test
    void permutationIsAPermutationAndDependsOnTheSeed() {
        int[] a = Trainer.permutation(100, new SplittableRandom(1));
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 100; i++) {
            assertEquals(i, sorted[i]);
        }
        assertTrue(!Arrays.equals(a, Trainer.permutation(100, new SplittableRandom(2))));
    }

    @Test
    void invalidOptionsAreRejectedNamingTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Trainer.Options(0, 8, 1));
        assertEquals("epochs: expected at least 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Trainer.Options(1, 0, 1));
        assertEquals("batchSize: expected at least 1, got 0", e.getMessage());
    }
}
