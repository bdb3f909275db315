package org.repro4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;
import org.repro4j.experiment.Hparams;
import org.repro4j.experiment.ResultsStore;
import org.repro4j.experiment.Run;
import org.repro4j.train.TrainingInterruptedException;
import tech.tablesaw.api.Table;

class DenoiserTrainingTest {

    /** A tiny velocity net of the paper's kind (ReLU, [x, t] input) on a learning-rate schedule, trained on a Gaussian mixture. */
    record TinyVelocity(long iterations, double lr) implements Hparams {
        @Override
        public Hparams defaults() {
            return new TinyVelocity(24, 3e-3);
        }
    }

    static final TinyVelocity HPARAMS = new TinyVelocity(24, 3e-3);
    static final DenoiserTraining.Options OPTIONS = new DenoiserTraining.Options(24, 64, 7, 2, 4);

    static TimeMlp init() {
        // the step schedule makes the resumed run depend on the restored iteration count, as the notebook's does
        return TimeMlp.create(2, List.of(32, 32), 0, Activation.RELU,
                new Adam(new StepSchedule(ScheduleType.ITERATION, HPARAMS.lr(), 0.4, 10)), 3);
    }

    static Run run(Path store, DenoiserTraining.Data data, PrintStream out) {
        return DenoiserTraining.runOrLoad(HPARAMS, new ResultsStore(store), DenoiserTrainingTest::init, Preconditioning.velocity(),
                data, Objectives::interpolantSigmas, OPTIONS, out);
    }

    static Path folder(Path store) {
        return store.resolve(HPARAMS.experiment()).resolve(HPARAMS.hash());
    }

    @Test
    void aRerunLoadsTheFinishedRunAndTrainsNothing(@TempDir Path store) throws IOException {
        var first = new ByteArrayOutputStream();
        Run trained = run(store, InterpolantTest.MIXTURE::sample, new PrintStream(first, true, StandardCharsets.UTF_8));
        assertEquals(24, trained.iterationsThisTime());
        assertTrue(first.toString(StandardCharsets.UTF_8).contains("train ["), "the first run draws its progress bar");
        var second = new ByteArrayOutputStream();
        Run loaded = run(store, (n, random) -> {
            throw new AssertionError("a finished run must not draw training data");
        }, new PrintStream(second, true, StandardCharsets.UTF_8));
        assertTrue(loaded.loaded());
        assertFalse(second.toString(StandardCharsets.UTF_8).contains("train ["), second.toString(StandardCharsets.UTF_8));
        assertEquals(trained.net().params(), loaded.net().params());
        assertEquals(trained.metrics().doubleColumn("loss").asList(), loaded.metrics().doubleColumn("loss").asList());
        assertEquals(List.of(2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24), loaded.metrics().intColumn("iteration").asList());
        assertTrue(Files.isRegularFile(folder(store).resolve("model.zip")));
        assertFalse(Files.exists(folder(store).resolve("checkpoint.zip")), "the checkpoint goes once the model is saved");
        // the restored network samples like the trained one
        INDArray x = InterpolantTest.MIXTURE.sample(5, new SplittableRandom(1));
        Denoiser a = Preconditioning.velocity().denoiser(DenoiserTraining.network(trained));
        Denoiser b = Preconditioning.velocity().denoiser(DenoiserTraining.network(loaded));
        assertEquals(a.denoise(x, 0.5), b.denoise(x, 0.5));
    }

    @Test
    void anInterruptedRunResumesToExactlyTheParametersOfAnUninterruptedOne(@TempDir Path interrupted, @TempDir Path whole)
            throws IOException {
        var calls = new AtomicInteger();
        DenoiserTraining.Data interrupting = (n, random) -> {
            if (calls.incrementAndGet() == 11) {  // during iteration 11: the loop stops before iteration 12
                Thread.currentThread().interrupt();
            }
            return InterpolantTest.MIXTURE.sample(n, random);
        };
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        assertThrows(TrainingInterruptedException.class, () -> run(interrupted, interrupting, quiet));
        assertTrue(Thread.interrupted());
        assertTrue(Files.isRegularFile(folder(interrupted).resolve("checkpoint.zip")), "the interrupted run left a checkpoint");
        assertFalse(Files.exists(folder(interrupted).resolve("model.zip")));

        Run resumed = run(interrupted, InterpolantTest.MIXTURE::sample, quiet);
        assertEquals(24 - 8, resumed.iterationsThisTime(), "resumed from the checkpoint at iteration 8");
        Run uninterrupted = run(whole, InterpolantTest.MIXTURE::sample, quiet);
        assertEquals(uninterrupted.net().params(), resumed.net().params());
        assertEquals(Files.readString(folder(whole).resolve("metrics.csv")), Files.readString(folder(interrupted).resolve("metrics.csv")));
    }

    /**
     * Half the mean of |x1 - z - b(t, x_t)|^2 on fixed held-out points at t = 0.1, 0.3, ..., 0.9: the velocity loss,
     * whose minimum over b is reached by the exact velocity.
     */
    static double heldOutLoss(Denoiser denoiser) {
        var random = new SplittableRandom(99);
        double total = 0;
        double[] times = {0.1, 0.3, 0.5, 0.7, 0.9};
        for (double t : times) {
            INDArray x1 = InterpolantTest.MIXTURE.sample(500, random);
            INDArray z = Batches.gaussian(new long[] {500, 2}, DataType.DOUBLE, random);
            INDArray xt = z.mul(1 - t).addi(x1.mul(t));
            INDArray error = x1.sub(z).subi(Interpolant.velocity(xt, Interpolant.denoised(denoiser, xt, t), t));
            total += error.muli(error).sum(1).meanNumber().doubleValue() / 2;
        }
        return total / times.length;
    }

    @Test
    void theLossFallsOnATinyProblem() {
        TimeMlp net = TimeMlp.create(2, List.of(64, 64), 0, Activation.RELU, new Adam(3e-3), 1);
        double before = heldOutLoss(Preconditioning.velocity().denoiser(net));
        Table history = DenoiserTraining.fit(net, DenoiserTraining.denoising(Preconditioning.velocity(), Objectives::interpolantSigmas),
                InterpolantTest.MIXTURE::sample, new DenoiserTraining.Options(200, 256, 1, 50), new PrintStream(OutputStream.nullOutputStream()),
                DenoiserTraining.emptyHistory(), null);
        double after = heldOutLoss(Preconditioning.velocity().denoiser(net));
        double floor = heldOutLoss(InterpolantTest.MIXTURE);
        var loss = history.doubleColumn("loss");
        System.out.printf("training loss every 50 iterations %s; held-out loss %.4f -> %.4f, exact velocity %.4f%n", loss.asList(),
                before, after, floor);
        assertEquals(4, history.rowCount());
        assertTrue(loss.get(3) < loss.get(0), "training loss " + loss.get(0) + " -> " + loss.get(3));
        // the trained net closes most of the gap between the untrained net and the best possible velocity
        assertTrue(after - floor < 0.25 * (before - floor), "held-out loss " + before + " -> " + after + ", exact " + floor);
    }

    @Test
    void aDifferentSeedDrawsDifferentBatches() {
        var quiet = new PrintStream(OutputStream.nullOutputStream());
        INDArray[] params = new INDArray[3];
        long[] seeds = {5, 5, 6};
        for (int i = 0; i < 3; i++) {
            TimeMlp net = init();
            DenoiserTraining.fit(net, DenoiserTraining.denoising(Preconditioning.velocity(), Objectives::interpolantSigmas),
                    InterpolantTest.MIXTURE::sample, new DenoiserTraining.Options(6, 32, seeds[i], 3), quiet, DenoiserTraining.emptyHistory(), null);
            params[i] = net.network().params();
        }
        assertEquals(params[0], params[1]);
        assertNotEquals(params[0], params[2]);
    }

    @Test
    void rowsDrawsEachRowOfAFiniteSetWithEqualChance() {
        INDArray points = Nd4j.createFromArray(new double[][] {{0, 0}, {1, 10}, {2, 20}});
        INDArray batch = DenoiserTraining.Data.rows(points).sample(3_000, new SplittableRandom(3));
        int[] counts = new int[3];
        for (int i = 0; i < 3_000; i++) {
            int row = (int) batch.getDouble(i, 0);
            assertEquals(10 * row, batch.getDouble(i, 1), 0, "a whole row is drawn");
            counts[row]++;
        }
        for (int count : counts) {
            assertEquals(1_000, count, 100, "counts " + java.util.Arrays.toString(counts));
        }
        var e = assertThrows(IllegalArgumentException.class, () -> DenoiserTraining.Data.rows(Nd4j.createFromArray(1.0, 2.0)));
        assertEquals("points: expected shape [n, d] with n >= 1, got [2]", e.getMessage());
    }

    @Test
    void theTimeMlpOfARestoredNetworkNeedsItsFrequencies() {
        TimeMlp raw = init();
        assertEquals(raw.network(), TimeMlp.of(raw.network(), 0).network());
        var e = assertThrows(IllegalArgumentException.class, () -> TimeMlp.of(raw.network(), 4));
        assertEquals("net: expected 10 inputs for 2 dimensions and 4 frequencies, got 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DenoiserTraining.Options(10, 8, 1, 4, 6));
        assertEquals("checkpointEvery: expected a positive multiple of logEvery 4, got 6", e.getMessage());
        assertEquals(1000, new DenoiserTraining.Options(10, 8, 1, 50).checkpointEvery());
        assertEquals(1029, new DenoiserTraining.Options(10, 8, 1, 49).checkpointEvery());
    }

    @Test
    void aNonFiniteLossStopsNamingTheIteration(@TempDir Path store) {
        DenoiserTraining.Data poisoned = (n, random) -> InterpolantTest.MIXTURE.sample(n, random).muli(1e30);
        var e = assertThrows(IllegalStateException.class, () -> run(store, poisoned, new PrintStream(OutputStream.nullOutputStream())));
        assertTrue(e.getMessage().matches("loss is (NaN|Infinity) at iteration 1; last good checkpoint: none"), e.getMessage());
    }
}
