package org.repro4j.train;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.repro4j.data.Dataset;
import org.repro4j.viz.ProgressBar;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Minibatch training of a classifier by epochs, with a live progress bar and an evaluation on the
 * training and test sets before the first and after every epoch.
 *
 * <p>The order of the examples in epoch {@code e} is a permutation drawn from a generator seeded
 * by ({@code seed}, {@code e}), so the same seed, network and data give the same run. The loop checks
 * the thread's interrupt flag before every iteration and throws {@link TrainingInterruptedException}
 * when it is set, so interrupting a notebook's kernel stops training within one iteration.
 */
public final class Trainer {

    /** Examples of the training set evaluated after each epoch (the first ones; all if fewer). */
    public static final int TRAIN_EVAL_SIZE = 10_000;

    /**
     * How to train.
     *
     * @param epochs    passes over the training set, at least 1
     * @param batchSize examples per iteration, at least 1; the last batch of an epoch may be smaller
     * @param seed      seed of the data order
     */
    public record Options(int epochs, int batchSize, long seed) {
        public Options {
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs: expected at least 1, got " + epochs);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize: expected at least 1, got " + batchSize);
            }
        }
    }

    private Trainer() {
    }

    /**
     * Called as training goes: after every iteration inside an epoch ({@code epochEnd} false), and
     * after the last iteration of each epoch once its evaluation rows are in {@code history}
     * ({@code epochEnd} true). A checkpoint writer is one.
     */
    @FunctionalInterface
    public interface Listener {
        void afterIteration(MultiLayerNetwork net, long iteration, boolean epochEnd, Table history);
    }

    /** Trains as {@link #fit(MultiLayerNetwork, Dataset, Dataset, Options, PrintStream)} with the progress bar on standard output. */
    public static Table fit(MultiLayerNetwork net, Dataset train, Dataset test, Options options) {
        return fit(net, train, test, options, System.out);
    }

    /**
     * Trains {@code net} on {@code train} and returns its learning curves: one row per (epoch, split)
     * with columns {@code epoch}, {@code iteration}, {@code split} ("train" or "test"), {@code loss}
     * and {@code accuracy}; epoch 0 is the untrained network.
     *
     * @param out where the progress bar is drawn (updated in place, about once a second)
     * @throws TrainingInterruptedException if the thread is interrupted
     * @throws IllegalStateException        if the loss becomes NaN or infinite, naming the iteration
     */
    public static Table fit(MultiLayerNetwork net, Dataset train, Dataset test, Options options, PrintStream out) {
        return fit(net, train, test, options, out, emptyHistory(), List.of());
    }

    /** An empty learning-curve table with the columns {@link #fit} fills. */
    public static Table emptyHistory() {
        return Table.create("history",
                IntColumn.create("epoch"), IntColumn.create("iteration"), StringColumn.create("split"),
                DoubleColumn.create("loss"), DoubleColumn.create("accuracy"));
    }

    /**
     * Trains, or goes on training, {@code net} from its own iteration count ({@code
     * net.getIterationCount()}, restored with a checkpoint): the epoch and the position in that
     * epoch's data order follow from it, so a resumed run sees the same batches in the same order as
     * an uninterrupted one. {@code history} holds the rows recorded up to that iteration and is
     * appended to.
     */
    public static Table fit(MultiLayerNetwork net, Dataset train, Dataset test, Options options, PrintStream out,
                            Table history, List<Listener> listeners) {
        if (train.numClasses() != test.numClasses()) {
            throw new IllegalArgumentException("test set: expected " + train.numClasses()
                    + " classes like the training set, got " + test.numClasses());
        }
        Dataset trainEval = train.head(Math.min(train.size(), TRAIN_EVAL_SIZE));
        int n = train.size();
        int batchesPerEpoch = (n + options.batchSize() - 1) / options.batchSize();
        long total = (long) batchesPerEpoch * options.epochs();
        long iteration = net.getIterationCount();
        if (iteration > total) {
            throw new IllegalArgumentException("net: trained for " + iteration + " iterations, more than the "
                    + total + " of " + options);
        }
        INDArray features = train.features();
        INDArray oneHot = train.oneHotLabels();
        var progress = new ProgressBar(iteration == 0 ? "train" : "train (resumed)", Math.max(1, total - iteration), out);
        long start = iteration;
        if (iteration == 0) {
            record(history, 0, iteration, trainEval, test, net);
        }
        for (int epoch = (int) (iteration / batchesPerEpoch) + 1; epoch <= options.epochs(); epoch++) {
            net.setEpochCount(epoch - 1);
            int[] order = permutation(n, new SplittableRandom(options.seed() * 1_000_003L + epoch));
            for (int b = (int) (iteration % batchesPerEpoch); b < batchesPerEpoch; b++) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new TrainingInterruptedException(iteration, total);
                }
                int from = b * options.batchSize();
                int[] rows = Arrays.copyOfRange(order, from, Math.min(n, from + options.batchSize()));
                // Each batch is a copy; closing it frees its native memory now rather than at some later GC.
                try (INDArray x = features.getRows(rows); INDArray y = oneHot.getRows(rows)) {
                    net.fit(new DataSet(x, y));
                }
                iteration++;
                double loss = net.score();
                if (!Double.isFinite(loss)) {
                    throw new IllegalStateException("loss is " + loss + " at iteration " + iteration + " (epoch " + epoch + ")");
                }
                progress.step(iteration - start, String.format("epoch %d  loss %.4f", epoch, loss));
                if (b < batchesPerEpoch - 1) {
                    for (Listener listener : listeners) {
                        listener.afterIteration(net, iteration, false, history);
                    }
                }
            }
            Evaluation testEval = record(history, epoch, iteration, trainEval, test, net);
            progress.step(iteration - start, String.format("epoch %d  test acc %.4f", epoch, testEval.accuracy()));
            for (Listener listener : listeners) {
                listener.afterIteration(net, iteration, true, history);
            }
        }
        progress.finish(String.format("test accuracy %.4f", history.doubleColumn("accuracy").get(history.rowCount() - 1)));
        return history;
    }

    private static Evaluation record(Table history, int epoch, long iteration, Dataset train, Dataset test, MultiLayerNetwork net) {
        append(history, epoch, iteration, "train", Evaluation.of(net, train));
        Evaluation onTest = Evaluation.of(net, test);
        append(history, epoch, iteration, "test", onTest);
        return onTest;
    }

    private static void append(Table history, int epoch, long iteration, String split, Evaluation e) {
        history.intColumn("epoch").append(epoch);
        history.intColumn("iteration").append((int) iteration);
        history.stringColumn("split").append(split);
        history.doubleColumn("loss").append(e.loss());
        history.doubleColumn("accuracy").append(e.accuracy());
    }

    /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
    static int[] permutation(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }
}
