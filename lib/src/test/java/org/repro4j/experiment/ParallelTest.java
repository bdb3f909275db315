package org.repro4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.Fixtures;
import org.repro4j.models.Models;
import org.repro4j.train.Trainer;
import org.repro4j.train.TrainingInterruptedException;

class ParallelTest {

    @Test
    void resultsComeInInputOrderAndJobsRunTogether() throws Exception {
        var bothStarted = new CountDownLatch(2);
        var results = Parallel.map(List.of(1, 2), 2, i -> {
            bothStarted.countDown();
            try {
                assertTrue(bothStarted.await(10, TimeUnit.SECONDS), "the two jobs run at the same time");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return i * 10;
        });
        assertEquals(List.of(10, 20), results);
    }

    @Test
    void onlyTheFirstWorkerDrawsProgress() {
        var streams = Parallel.map(List.of(1, 2, 3, 4), 2, i -> Parallel.progress());
        assertEquals(1, streams.stream().filter(s -> s == System.out).distinct().count());
        assertTrue(streams.stream().anyMatch(s -> s != System.out));
        assertSame(System.out, Parallel.progress());
    }

    @Test
    void aFailingJobsExceptionIsThrownAndBadThreadCountsAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> Parallel.map(List.of(1, 2), 2, i -> {
            if (i == 2) {
                throw new IllegalArgumentException("job 2 failed");
            }
            return i;
        }));
        assertEquals("job 2 failed", e.getMessage());
        var threads = assertThrows(IllegalArgumentException.class, () -> Parallel.map(List.of(1), 0, i -> i));
        assertEquals("threads: expected at least 1, got 0", threads.getMessage());
    }

    @Test
    void anInterruptStopsEveryJob() {
        Thread.currentThread().interrupt();
        var e = assertThrows(TrainingInterruptedException.class, () -> Parallel.map(List.of(1, 2), 2, i -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException stop) {
                Thread.currentThread().interrupt();
            }
            return i;
        }));
        assertTrue(Thread.interrupted());
        assertEquals("interrupted while running 2 jobs on 2 threads; finished runs are kept", e.getMessage());
    }

    @Test
    void aParallelSweepEqualsASequentialOne(@TempDir Path a, @TempDir Path b) {
        var quiet = new PrintStream(OutputStream.nullOutputStream());
        var list = List.of(new KillableRun.Tiny(2, 0.01), new KillableRun.Tiny(2, 0.05), new KillableRun.Tiny(2, 0.1));
        java.util.function.BiFunction<Path, KillableRun.Tiny, Run> run = (store, h) -> Runs.runOrLoad(h, new ResultsStore(store),
                () -> Models.mlp(4, List.of(8), 2, new Adam(h.lr()), 1), Fixtures.blobs(32, 1),
                Trainer.splits(Fixtures.blobs(32, 1), null, Fixtures.blobs(16, 2)), new Trainer.Options(h.epochs(), 8, 3), quiet, List.of());
        var sequential = Sweep.run(list, h -> run.apply(a, h));
        var parallel = Sweep.run(list, 2, h -> run.apply(b, h));
        assertEquals(sequential.printAll(), parallel.printAll());
    }
}
