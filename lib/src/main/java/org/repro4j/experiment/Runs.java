package org.repro4j.experiment;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.deeplearning4j.nn.api.Model;
import org.repro4j.data.AtomicFiles;
import org.repro4j.data.Dataset;
import org.repro4j.models.FastLayers;
import org.repro4j.train.DivergenceException;
import org.repro4j.train.NativeMemory;
import org.repro4j.train.Nets;
import org.repro4j.train.Trainer;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

/**
 * Runs a training job once per hyperparameter record, after open_lth's runner: a finished run is
 * loaded from the {@link ResultsStore} without training; an unfinished one resumes from its last
 * checkpoint (parameters, Adam moments and the other updater state, the iteration count, from
 * which the data order follows) and ends with the same metrics as an uninterrupted run.
 *
 * <p>A run is finished when its folder holds {@code model.zip} and a {@code metrics.csv} with the
 * last iteration's rows. Checkpoints are written atomically every {@link #CHECKPOINT_EVERY} iterations
 * and at every epoch's end, metrics first, so the metrics on disk always cover the checkpoint; a
 * checkpoint of non-finite parameters is never written.
 *
 * <p>The classifier runs go through {@link Trainer}; any other resumable loop (the diffusion nets'
 * {@code org.repro4j.diffusion.DenoiserTraining}) plugs into the same machinery as a {@link Training}.
 */
public final class Runs {

    /** Iterations between two checkpoints inside an epoch. */
    public static final int CHECKPOINT_EVERY = 1000;

    static final String METRICS = "metrics.csv", CHECKPOINT = "checkpoint.zip", MODEL = "model.zip";

    /** The file that marks a run as diverged (see {@link #runOrRecordDivergence}); it holds the reason. */
    public static final String DIVERGED = "diverged.txt";

    private Runs() {
    }

    /**
     * {@link #runOrLoad(Hparams, ResultsStore, Supplier, Dataset, Map, Trainer.Options, PrintStream, List)} in the
     * standard store, evaluating on the "train" and "test" splits, progress on standard output.
     */
    public static Run runOrLoad(Hparams hparams, Supplier<? extends Model> init, Dataset train, Dataset test,
                                Trainer.Options options) {
        return runOrLoad(hparams, ResultsStore.standard(), init, train, Trainer.splits(train, null, test), options,
                System.out, List.of());
    }

    /**
     * Loads the finished run of {@code hparams} from {@code store}, or trains it (from its last
     * checkpoint if there is one, else from {@code init}) with {@link Trainer#fit}.
     *
     * @param init       builds the untrained network; called only when there is no checkpoint
     * @param evaluateOn the datasets evaluated, by split name (see {@link Trainer#splits})
     * @param listeners  called after every iteration, after the checkpoint writer
     * @throws IllegalStateException if the loss turns non-finite, naming the iteration and the last good checkpoint
     */
    public static Run runOrLoad(Hparams hparams, ResultsStore store, Supplier<? extends Model> init, Dataset train,
                                Map<String, Dataset> evaluateOn, Trainer.Options options, PrintStream out,
                                List<? extends Trainer.Listener> listeners) {
        return classifierRun(hparams, store, init, train, evaluateOn, options, out, listeners, false);
    }

    /**
     * {@link #runOrLoad(Hparams, ResultsStore, Supplier, Dataset, Map, Trainer.Options, PrintStream, List)} for
     * sweeps in which some runs are expected to diverge (a learning-rate grid): a run whose loss or
     * parameters turn non-finite is kept as a finished, diverged run instead of failing. Its folder
     * then holds {@value #DIVERGED} (the reason) and the metrics recorded up to the divergence, its
     * checkpoint is deleted, and a later call loads it without training; {@link Run#diverged()} tells
     * it apart and its {@link Run#net()} is null.
     */
    public static Run runOrRecordDivergence(Hparams hparams, ResultsStore store, Supplier<? extends Model> init,
                                            Dataset train, Map<String, Dataset> evaluateOn, Trainer.Options options,
                                            PrintStream out, List<? extends Trainer.Listener> listeners) {
        return classifierRun(hparams, store, init, train, evaluateOn, options, out, listeners, true);
    }

    private static Run classifierRun(Hparams hparams, ResultsStore store, Supplier<? extends Model> init, Dataset train,
                                     Map<String, Dataset> evaluateOn, Trainer.Options options, PrintStream out,
                                     List<? extends Trainer.Listener> listeners, boolean recordDivergence) {
        return run(hparams, store, init, options.totalIterations(train.size()), Trainer.emptyHistory(), out,
                (net, history, checkpoint) -> {
                    List<Trainer.Listener> all = new ArrayList<>(listeners);
                    all.add(0, (n, iteration, epochEnd, h) -> {
                        if (epochEnd || iteration % CHECKPOINT_EVERY == 0) {
                            checkpoint.save(n, h);
                        }
                    });
                    return Trainer.fit(net, train, evaluateOn, options, out, history, all);
                }, recordDivergence);
    }

    /** Writes a checkpoint: the metrics so far, then the network with its updater state, both atomically. */
    @FunctionalInterface
    public interface Checkpoint {
        /**
         * @param net     the network after its latest update
         * @param history every metrics row up to the network's iteration count
         * @throws IllegalStateException if the parameters are not finite (nothing is written then)
         */
        void save(Model net, Table history);
    }

    /** A training loop that {@link #runOrLoad(Hparams, ResultsStore, Supplier, long, Table, PrintStream, Training)} can resume. */
    @FunctionalInterface
    public interface Training {
        /**
         * Trains {@code net} from its own iteration count (0, or the one restored with a checkpoint) to
         * the end, appending metrics rows to {@code history} (which holds the rows up to that count) and
         * calling {@code checkpoint} whenever a resumed run would continue exactly from that point.
         *
         * @return the complete history; its {@code iteration} column holds the last iteration
         * @throws IllegalStateException if the loss turns non-finite, naming the iteration
         */
        Table fit(Model net, Table history, Checkpoint checkpoint);
    }

    /**
     * The shared part of every resumable run: loads the finished run of {@code hparams} from
     * {@code store} (a {@code model.zip} and metrics whose {@code iteration} column reaches
     * {@code totalIterations}) without training, or else trains it with {@code training}, from the last
     * checkpoint if there is one (restored with its updater state, and the metrics cut at its
     * iteration count) or from {@code init}; at the end writes the metrics and {@code model.zip} and
     * deletes the checkpoint.
     *
     * @param init            builds the untrained network; called only when there is no checkpoint
     * @param totalIterations the iteration count of the finished network
     * @param emptyHistory    an empty metrics table with the columns {@code training} fills, one of them an
     *                        integer {@code iteration}; its column types are used to read {@code metrics.csv}
     * @param out             where "loaded" and "resuming" are said
     * @throws IllegalStateException if the loss turns non-finite, naming the iteration and the last good checkpoint
     */
    public static Run runOrLoad(Hparams hparams, ResultsStore store, Supplier<? extends Model> init, long totalIterations,
                                Table emptyHistory, PrintStream out, Training training) {
        return run(hparams, store, init, totalIterations, emptyHistory, out, training, false);
    }

    private static Run run(Hparams hparams, ResultsStore store, Supplier<? extends Model> init, long totalIterations,
                           Table emptyHistory, PrintStream out, Training training, boolean recordDivergence) {
        NativeMemory.watch();
        Path dir = store.folder(hparams);
        Path metricsFile = dir.resolve(METRICS), checkpoint = dir.resolve(CHECKPOINT), model = dir.resolve(MODEL);
        ColumnType[] types = emptyHistory.typeArray();
        try {
            if (recordDivergence && Files.isRegularFile(dir.resolve(DIVERGED)) && Files.isRegularFile(metricsFile)) {
                out.println("loaded diverged run " + dir + ": " + Files.readString(dir.resolve(DIVERGED)).strip());
                return new Run(dir, null, readMetrics(metricsFile, types), 0);
            }
            Table stored = Files.isRegularFile(metricsFile) ? readMetrics(metricsFile, types) : null;
            if (Files.isRegularFile(model) && stored != null && complete(stored, totalIterations)) {
                out.println("loaded finished run " + dir);
                return new Run(dir, Nets.restore(model, false), stored, 0);
            }
            Model net;
            Table history;
            if (Files.isRegularFile(checkpoint)) {
                net = Nets.restore(checkpoint, true);
                Table metrics = stored != null ? stored : readMetrics(metricsFile, types);  // missing: NoSuchFileException names it
                history = metrics.where(metrics.intColumn("iteration").isLessThanOrEqualTo(Nets.iterationCount(net)));
                out.println("resuming " + dir + " at iteration " + Nets.iterationCount(net));
            } else {
                // the layer implementations a restored checkpoint gets (Nets.restore): a resumed run goes on as this one would
                net = FastLayers.install(init.get());
                history = emptyHistory.emptyCopy();
            }
            long start = Nets.iterationCount(net);
            try {
                history = training.fit(net, history, (n, h) -> save(n, h, metricsFile, checkpoint));
            } catch (DivergenceException e) {
                if (recordDivergence) {  // history holds the rows recorded before the divergence (fit appends in place)
                    writeMetrics(history, metricsFile);
                    AtomicFiles.write(dir.resolve(DIVERGED), o -> o.write((e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8)));
                    Files.deleteIfExists(checkpoint);
                    out.println("diverged: " + e.getMessage());
                    return new Run(dir, null, history, Math.max(1, e.iteration() - start));
                }
                throw new DivergenceException(e.getMessage() + "; last good checkpoint: "
                        + (Files.isRegularFile(checkpoint) ? checkpoint : "none"), e.iteration(), e);
            } catch (IllegalStateException e) {
                throw new IllegalStateException(e.getMessage() + "; last good checkpoint: "
                        + (Files.isRegularFile(checkpoint) ? checkpoint : "none"), e);
            }
            writeMetrics(history, metricsFile);
            AtomicFiles.write(model, o -> Nets.write(net, o, false));
            Files.deleteIfExists(checkpoint);
            return new Run(dir, net, history, Nets.iterationCount(net) - start);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void save(Model net, Table history, Path metricsFile, Path checkpoint) {
        if (!Double.isFinite(net.params().sumNumber().doubleValue())) {
            throw new DivergenceException("parameters are not finite at iteration " + Nets.iterationCount(net)
                    + "; not checkpointed", Nets.iterationCount(net), null);
        }
        try {
            writeMetrics(history, metricsFile);
            AtomicFiles.write(checkpoint, o -> Nets.write(net, o, true));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void writeMetrics(Table history, Path file) throws IOException {
        AtomicFiles.write(file, o -> history.write().csv(o));
    }

    static Table readMetrics(Path file) throws IOException {
        return readMetrics(file, Trainer.emptyHistory().typeArray());
    }

    static Table readMetrics(Path file, ColumnType[] types) throws IOException {
        return Table.read().usingOptions(CsvReadOptions.builder(file.toFile()).tableName("history").columnTypes(types));
    }

    /** Whether the metrics hold the evaluation rows of the last iteration, {@code total}. */
    static boolean complete(Table metrics, long total) {
        return metrics.intColumn("iteration").contains((int) total);
    }
}
