package org.repro4j.diffusion;

import java.io.PrintStream;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.data.Dataset;
import org.repro4j.experiment.Hparams;
import org.repro4j.experiment.ResultsStore;
import org.repro4j.experiment.Run;
import org.repro4j.experiment.Runs;
import org.repro4j.train.NativeMemory;
import org.repro4j.train.Nets;
import org.repro4j.train.TrainingInterruptedException;
import org.repro4j.viz.ProgressBar;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

/**
 * The training loop of a {@link NoiseNet} ({@link TimeMlp} or {@link UNet}) on the denoising regression of
 * {@link Objectives#step} or another {@link Objective} (consistency training), as a resumable run of the
 * {@link ResultsStore} ({@link Runs#runOrLoad(Hparams, ResultsStore, Supplier, long, Table,
 * PrintStream, Runs.Training)}): a finished run loads without training, an interrupted or killed one resumes
 * from its last checkpoint (parameters, Adam's moments and the iteration count that drives a learning-rate
 * schedule) and ends with the parameters and metrics of an uninterrupted run.
 *
 * <p>Every iteration draws a fresh batch of data and of noise levels, so there are no epochs: iteration k
 * (from 1) draws everything from a generator seeded by (seed, k), which is what makes a resumed run see the
 * same batches as an uninterrupted one. The metrics hold one row every {@code logEvery} iterations (and at the
 * last): the mean training loss over the iterations since the previous row. A checkpoint is written at every
 * row that is a multiple of {@code checkpointEvery}.
 */
public final class DenoiserTraining {

    private DenoiserTraining() {
    }

    /** Draws n training points, e.g. {@code Toy2d::checkerboard}, {@code mixture::sample} or {@link #rows} of a set of images. */
    @FunctionalInterface
    public interface Data {
        INDArray sample(int n, RandomGenerator random);

        /**
         * Draws n rows of {@code points} [m, d] uniformly with replacement: a finite training set, such as the
         * images of a {@link org.repro4j.data.Dataset}, seen as the distribution that puts 1/m on each row.
         *
         * @throws IllegalArgumentException if {@code points} is not [m, d] with m >= 1
         */
        static Data rows(INDArray points) {
            Distances.checkMatrix("points", points, -1);
            int m = (int) points.rows();
            return (n, random) -> {
                int[] rows = new int[n];
                for (int i = 0; i < n; i++) {
                    rows[i] = random.nextInt(m);
                }
                return Dataset.gatherRows(points, rows);
            };
        }
    }

    /** Draws one noise level for each of n rows, e.g. {@code Objectives::interpolantSigmas}. */
    @FunctionalInterface
    public interface Levels {
        double[] sample(int n, RandomGenerator random);
    }

    /**
     * One optimiser step of a training objective on the batch {@code x0} at iteration {@code iteration}
     * (from 0) of the run, drawing its noise from {@code random}; returns the batch's loss before the step.
     * {@link #denoising} is the regression of {@link Objectives#step}; {@link ConsistencyTraining#objective}
     * is consistency training, whose grid follows the iteration.
     */
    @FunctionalInterface
    public interface Objective {
        double step(NoiseNet net, INDArray x0, long iteration, RandomGenerator random);
    }

    /** The denoising regression of {@link Objectives#step} with a level a row drawn by {@code levels}. */
    public static Objective denoising(Preconditioning preconditioning, Levels levels) {
        return (net, x0, iteration, random) -> Objectives.step(net, preconditioning, x0, levels.sample((int) x0.rows(), random), random);
    }

    /**
     * How long to train and how often to record.
     *
     * @param iterations      parameter updates, at least 1
     * @param batchSize       points a batch, at least 1
     * @param seed            seed of the data and noise of every batch (the weights' seed is {@code init}'s)
     * @param logEvery        iterations a metrics row averages, at least 1
     * @param checkpointEvery iterations between checkpoints, a positive multiple of {@code logEvery}
     */
    public record Options(long iterations, int batchSize, long seed, int logEvery, int checkpointEvery) {
        public Options {
            if (iterations < 1) {
                throw new IllegalArgumentException("iterations: expected at least 1, got " + iterations);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize: expected at least 1, got " + batchSize);
            }
            if (logEvery < 1) {
                throw new IllegalArgumentException("logEvery: expected at least 1, got " + logEvery);
            }
            if (checkpointEvery < 1 || checkpointEvery % logEvery != 0) {
                throw new IllegalArgumentException("checkpointEvery: expected a positive multiple of logEvery " + logEvery
                        + ", got " + checkpointEvery);
            }
        }

        /** Checkpoints every {@link Runs#CHECKPOINT_EVERY} iterations rounded up to a multiple of {@code logEvery}. */
        public Options(long iterations, int batchSize, long seed, int logEvery) {
            this(iterations, batchSize, seed, logEvery, logEvery * Math.max(1, (Runs.CHECKPOINT_EVERY + logEvery - 1) / logEvery));
        }
    }

    /** An empty metrics table with the columns {@link #fit} fills: {@code iteration}, {@code loss}. */
    public static Table emptyHistory() {
        return Table.create("history", IntColumn.create("iteration"), DoubleColumn.create("loss"));
    }

    /**
     * Loads the finished run of {@code hparams} from {@code store}, or trains it (resuming its last
     * checkpoint if there is one); {@link #network(Run)} gives the trained network.
     *
     * @param init builds the untrained network; called only when there is no checkpoint
     */
    public static Run runOrLoad(Hparams hparams, ResultsStore store, Supplier<? extends NoiseNet> init,
                                Preconditioning preconditioning, Data data, Levels levels, Options options, PrintStream out) {
        return runOrLoad(hparams, store, init, denoising(preconditioning, levels), data, options, out);
    }

    /** As {@link #runOrLoad(Hparams, ResultsStore, Supplier, Preconditioning, Data, Levels, Options, PrintStream)}, for any objective. */
    public static Run runOrLoad(Hparams hparams, ResultsStore store, Supplier<? extends NoiseNet> init, Objective objective,
                                Data data, Options options, PrintStream out) {
        return Runs.runOrLoad(hparams, store, () -> init.get().network(), options.iterations(), emptyHistory(), out,
                (net, history, checkpoint) -> fit(NoiseNet.of(net), objective, data, options, out, history, checkpoint));
    }

    /** The trained {@link NoiseNet} of a run of {@link #runOrLoad}: a {@link TimeMlp} or a {@link UNet}, as {@code init} built it. */
    public static NoiseNet network(Run run) {
        return NoiseNet.of(run.net());
    }

    /**
     * Trains {@code net} from its iteration count to {@code options.iterations()}, appending a row to
     * {@code history} every {@code logEvery} iterations and calling {@code checkpoint} every
     * {@code checkpointEvery}, with a progress bar on {@code out}.
     *
     * @param checkpoint where checkpoints go, or null for none
     * @throws TrainingInterruptedException if the thread is interrupted (checked before every iteration)
     * @throws IllegalStateException        if the loss becomes NaN or infinite, naming the iteration
     */
    public static Table fit(NoiseNet net, Objective objective, Data data, Options options, PrintStream out, Table history,
                            Runs.Checkpoint checkpoint) {
        NativeMemory.watch();
        Model network = net.network();
        long iteration = Nets.iterationCount(network);
        long total = options.iterations();
        if (iteration > total) {
            throw new IllegalArgumentException("net: trained for " + iteration + " iterations, more than the " + total + " of " + options);
        }
        var progress = new ProgressBar(iteration == 0 ? "train" : "train (resumed)", Math.max(1, total - iteration), out);
        long start = iteration;
        double sum = 0;
        int count = 0;
        while (iteration < total) {
            if (Thread.currentThread().isInterrupted()) {
                throw new TrainingInterruptedException(iteration, total);
            }
            var random = new SplittableRandom(options.seed() * 1_000_003L + iteration + 1);
            INDArray x0 = data.sample(options.batchSize(), random);
            double loss = objective.step(net, x0, iteration, random);
            iteration++;
            if (!Double.isFinite(loss)) {
                throw new IllegalStateException("loss is " + loss + " at iteration " + iteration);
            }
            sum += loss;
            count++;
            if (iteration % options.logEvery() == 0 || iteration == total) {
                history.intColumn("iteration").append((int) iteration);
                history.doubleColumn("loss").append(sum / count);
                sum = 0;
                count = 0;
                if (checkpoint != null && iteration % options.checkpointEvery() == 0 && iteration < total) {
                    checkpoint.save(network, history);
                }
            }
            progress.step(iteration - start, history.rowCount() == 0 ? null
                    : String.format("loss %.4f", history.doubleColumn("loss").get(history.rowCount() - 1)));
        }
        progress.finish(history.rowCount() == 0 ? "done" : String.format("loss %.4f",
                history.doubleColumn("loss").get(history.rowCount() - 1)));
        return history;
    }
}
