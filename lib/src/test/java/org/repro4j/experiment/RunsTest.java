package org.repro4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.Fixtures;
import org.repro4j.data.AtomicFiles;
import org.repro4j.models.Models;
import org.repro4j.train.DivergenceException;
import org.repro4j.train.Trainer;
import org.repro4j.train.TrainingInterruptedException;

class RunsTest {

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    private static final long TOTAL = 12 * 8;  // 12 epochs of 64 examples in batches of 8

    private static Path folder(Path store) {
        return store.resolve("tiny").resolve(KillableRun.HPARAMS.hash());
    }

    @Test
    void aSecondCallLoadsTheFinishedRunWithoutTraining(@TempDir Path store) throws IOException {
        var first = KillableRun.run(store, QUIET, List.of());
        assertEquals(TOTAL, first.iterationsThisTime());
        var second = KillableRun.run(store, QUIET, List.of());
        assertTrue(second.loaded());
        assertEquals(first.metrics().doubleColumn("loss").asList(), second.metrics().doubleColumn("loss").asList());
        assertEquals(first.net().params(), second.net().params());
        assertEquals(KillableRun.HPARAMS.json() + "\n", Files.readString(folder(store).resolve("hparams.json")));
        assertFalse(Files.exists(folder(store).resolve(Runs.CHECKPOINT)), "the checkpoint goes once the model is saved");
    }

    @Test
    void aRunKilledMidwayResumesAndEndsWithTheMetricsOfAnUninterruptedRun(@TempDir Path killed, @TempDir Path whole)
            throws Exception {
        var child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), KillableRun.class.getName(), killed.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (var lines = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            for (String line; (line = lines.readLine()) != null && !line.equals("epoch 4"); ) {
                // wait until the fourth epoch's checkpoint is written
            }
            child.destroyForcibly();  // SIGKILL on Linux
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        assertTrue(Files.exists(folder(killed).resolve(Runs.CHECKPOINT)), "the killed run left a checkpoint");
        assertFalse(Files.exists(folder(killed).resolve(Runs.MODEL)), "the killed run did not finish");

        var resumed = KillableRun.run(killed, QUIET, List.of());
        var uninterrupted = KillableRun.run(whole, QUIET, List.of());
        assertTrue(resumed.iterationsThisTime() > 0 && resumed.iterationsThisTime() <= TOTAL - 4 * 8,
                "resumed after epoch 4, trained " + resumed.iterationsThisTime());
        assertEquals(Files.readString(folder(whole).resolve(Runs.METRICS)), Files.readString(folder(killed).resolve(Runs.METRICS)));
        assertEquals(uninterrupted.net().params(), resumed.net().params());
    }

    @Test
    void anInterruptKeepsTheLastCheckpointAndTheRerunResumesToTheSameEnd(@TempDir Path interrupted, @TempDir Path whole)
            throws IOException {
        assertThrows(TrainingInterruptedException.class, () -> KillableRun.run(interrupted, QUIET, List.of((net, it, epochEnd, h) -> {
            if (it == 5 * 8 + 3) {
                Thread.currentThread().interrupt();
            }
        })));
        assertTrue(Thread.interrupted());
        assertTrue(Files.exists(folder(interrupted).resolve(Runs.CHECKPOINT)));
        var resumed = KillableRun.run(interrupted, QUIET, List.of());
        assertEquals(TOTAL - 5 * 8, resumed.iterationsThisTime(), "resumed from the end of epoch 5");
        KillableRun.run(whole, QUIET, List.of());
        assertEquals(Files.readString(folder(whole).resolve(Runs.METRICS)), Files.readString(folder(interrupted).resolve(Runs.METRICS)));
    }

    @Test
    void aCheckpointWriteThatFailsHalfwayLeavesThePreviousCheckpointLoadable(@TempDir Path dir) throws IOException {
        var net = Models.mlp(4, List.of(16), 2, new Adam(0.01), 5);
        Path checkpoint = dir.resolve(Runs.CHECKPOINT);
        AtomicFiles.write(checkpoint, out -> ModelSerializer.writeModel(net, out, true));
        var bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(Models.mlp(4, List.of(16), 2, new Adam(0.01), 6), bytes, true);
        assertThrows(IOException.class, () -> AtomicFiles.write(checkpoint, out -> {
            out.write(bytes.toByteArray(), 0, bytes.size() / 2);
            throw new IOException("killed mid-write");
        }));
        assertEquals(net.params(), ModelSerializer.restoreMultiLayerNetwork(checkpoint.toFile(), true).params());
    }

    @Test
    void aModelWithIncompleteMetricsIsNotFinished(@TempDir Path store) throws IOException {
        var done = KillableRun.run(store, QUIET, List.of());
        Path metrics = folder(store).resolve(Runs.METRICS);
        var firstEpochs = done.metrics().where(done.metrics().doubleColumn("epoch").isLessThan(3));
        Runs.writeMetrics(firstEpochs, metrics);
        assertFalse(Runs.complete(Runs.readMetrics(metrics), TOTAL));
        var again = KillableRun.run(store, QUIET, List.of());
        assertEquals(TOTAL, again.iterationsThisTime(), "no checkpoint: trained again from the start");
        assertEquals(done.metrics().doubleColumn("loss").asList(), again.metrics().doubleColumn("loss").asList());
    }

    @Test
    void nonFiniteLossStopsNamingTheLastGoodCheckpoint(@TempDir Path store) {
        var poisoned = Fixtures.blobs(64, 1);
        poisoned.features().putScalar(0, 0, Float.NaN);
        var e = assertThrows(IllegalStateException.class, () -> Runs.runOrLoad(KillableRun.HPARAMS, new ResultsStore(store),
                () -> Models.mlp(4, List.of(16), 2, new Adam(0.01), 5), poisoned, Trainer.splits(poisoned, null, Fixtures.blobs(32, 2)),
                new Trainer.Options(12, 8, 3), QUIET, List.of()));
        assertTrue(e.getMessage().matches("loss is NaN at iteration \\d+ \\(epoch 1\\); last good checkpoint: none"), e.getMessage());
    }

    @Test
    void aDivergedRunIsRecordedOnceAndThenLoadedWithoutTraining(@TempDir Path store) throws IOException {
        var poisoned = Fixtures.blobs(64, 1);
        poisoned.features().putScalar(0, 0, Float.NaN);
        var test = Fixtures.blobs(32, 2);
        var first = Runs.runOrRecordDivergence(KillableRun.HPARAMS, new ResultsStore(store), () -> Models.mlp(4, List.of(16), 2,
                new Adam(0.01), 5), poisoned, Map.of("test", test), new Trainer.Options(12, 8, 3), QUIET, List.of());
        assertTrue(first.diverged());
        assertFalse(first.loaded());
        assertNull(first.net());
        assertEquals(List.of(0), first.metrics().intColumn("iteration").asList(), "the metrics up to the divergence: the untrained net");
        assertTrue(Files.readString(folder(store).resolve(Runs.DIVERGED)).matches("loss is NaN at iteration \\d+ \\(epoch 1\\)\n"));
        var second = Runs.runOrRecordDivergence(KillableRun.HPARAMS, new ResultsStore(store), () -> {
            throw new AssertionError("a diverged run is not trained again");
        }, poisoned, Map.of("test", test), new Trainer.Options(12, 8, 3), QUIET, List.of());
        assertTrue(second.loaded() && second.diverged());
        assertEquals(first.metrics().doubleColumn("loss").asList(), second.metrics().doubleColumn("loss").asList());
    }

    @Test
    void runOrLoadStillFailsOnDivergenceWithADivergenceException(@TempDir Path store) {
        var poisoned = Fixtures.blobs(64, 1);
        poisoned.features().putScalar(0, 0, Float.NaN);
        var e = assertThrows(DivergenceException.class, () -> Runs.runOrLoad(KillableRun.HPARAMS, new ResultsStore(store),
                () -> Models.mlp(4, List.of(16), 2, new Adam(0.01), 5), poisoned, Map.of("test", Fixtures.blobs(32, 2)),
                new Trainer.Options(12, 8, 3), QUIET, List.of()));
        assertTrue(e.iteration() >= 1);
        assertFalse(Files.exists(folder(store).resolve(Runs.DIVERGED)));
    }

    @Test
    void aFolderHoldingOtherHyperparametersIsRefused(@TempDir Path store) throws IOException {
        Path dir = new ResultsStore(store).folder(KillableRun.HPARAMS);
        Files.writeString(dir.resolve("hparams.json"), "{\"epochs\":3}\n");
        var e = assertThrows(IllegalStateException.class, () -> new ResultsStore(store).folder(KillableRun.HPARAMS));
        assertTrue(e.getMessage().contains("holds {\"epochs\":3}, expected " + KillableRun.HPARAMS.json()), e.getMessage());
    }
}
