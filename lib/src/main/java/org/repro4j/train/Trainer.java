package org.repro4j.train;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.NeuralNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.repro4j.data.Dataset;
import org.repro4j.models.OwnGradientUpdaters;
import org.repro4j.viz.ProgressBar;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Minibatch training of a classifier ({@link org.deeplearning4j.nn.multilayer.MultiLayerNetwork} or
 * {@link org.deeplearning4j.nn.graph.ComputationGraph}) for a number of epochs or of iterations,
 * with a live progress bar and an evaluation on named datasets (train, validation, test) before the
 * first iteration, every {@code evalEvery} iterations (or at every epoch's end) and at the end.
 *
 * <p>The optimiser is the network's own updater (DL4J's {@code Sgd}, heavy-ball
 * {@link org.repro4j.optim.Momentum}, {@code Nesterovs},
 * {@code Adam}, or Adam with decoupled weight decay for AdamW, set on each layer: DL4J 1.0.0-M2.1 applies
 * a network-wide {@code weightDecay} twice, see {@code org.repro4j.optim}) with its learning-rate
 * schedule ({@link CosineSchedule}, {@link WarmupSchedule}, ND4J's {@code StepSchedule}).
 *
 * <p>The order of the examples in epoch {@code e} is a permutation drawn from a generator seeded
 * by ({@code seed}, {@code e}), so the same seed, network and data give bit-identical metrics, and
 * a run resumed from its iteration count sees the same batches as an uninterrupted one. The loop
 * checks the thread's interrupt flag before every iteration and throws {@link
 * TrainingInterruptedException} when it is set, so interrupting a notebook's kernel stops training
 * within one iteration.
 */
public final class Trainer {

    /** Examples of the training set evaluated as the "train" split (the first ones; all if fewer). */
    public static final int TRAIN_EVAL_SIZE = 10_000;

    /**
     * How long to train and how often to evaluate. Exactly one of {@code epochs} and {@code
     * iterations} is positive.
     *
     * @param epochs     passes over the training set, or 0 when training by {@code iterations}
     * @param iterations parameter updates in all, or 0 when training by {@code epochs}; the data order
     *                   goes on across epoch boundaries
     * @param batchSize  examples per iteration, at least 1; the last batch of an epoch may be smaller
     * @param seed       seed of the data order
     * @param evalEvery  iterations between two evaluations, or 0 to evaluate at every epoch's end
     */
    public record Options(int epochs, long iterations, int batchSize, long seed, int evalEvery) {
        public Options {
            if (epochs != 0 && iterations != 0) {
                throw new IllegalArgumentException("epochs, iterations: expected one of them 0, got " + epochs + " and " + iterations);
            }
            if (iterations == 0 && epochs < 1) {
                throw new IllegalArgumentException("epochs: expected at least 1, got " + epochs);
            }
            if (epochs == 0 && iterations < 1) {
                throw new IllegalArgumentException("iterations: expected at least 1, got " + iterations);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize: expected at least 1, got " + batchSize);
            }
            if (evalEvery < 0) {
                throw new IllegalArgumentException("evalEvery: expected 0 (every epoch) or at least 1, got " + evalEvery);
            }
        }

        /** {@code epochs} passes over the training set, evaluated at each epoch's end. */
        public Options(int epochs, int batchSize, long seed) {
            this(epochs, 0, batchSize, seed, 0);
        }

        /** {@code iterations} parameter updates, evaluated at each epoch's end and at the last one. */
        public static Options ofIterations(long iterations, int batchSize, long seed) {
            if (iterations < 1) {
                throw new IllegalArgumentException("iterations: expected at least 1, got " + iterations);
            }
            return new Options(0, iterations, batchSize, seed, 0);
        }

        /** These options, evaluating every {@code k} iterations instead of at epochs' ends. */
        public Options evaluatingEvery(int k) {
            if (k < 1) {
                throw new IllegalArgumentException("evalEvery: expected at least 1, got " + k);
            }
            return new Options(epochs, iterations, batchSize, seed, k);
        }

        /** Iterations in one epoch over {@code trainSize} examples. */
        public int batchesPerEpoch(int trainSize) {
            return (trainSize + batchSize - 1) / batchSize;
        }

        /** Iterations of the whole run over {@code trainSize} examples. */
        public long totalIterations(int trainSize) {
            return iterations > 0 ? iterations : (long) epochs * batchesPerEpoch(trainSize);
        }
    }

    private Trainer() {
    }

    /** Called as training goes: after every iteration and, optionally, right after every update. */
    @FunctionalInterface
    public interface Listener {
        /**
         * Right after the update of {@code iteration}, before any evaluation: the place to change
         * parameters (keeping pruned weights at zero). Does nothing unless overridden.
         */
        default void afterStep(Model net, long iteration) {
        }

        /**
         * After {@code iteration} and its evaluation rows, if it had any, are in {@code history};
         * {@code epochEnd} tells whether it was the last of an epoch (or of the run). A checkpoint
         * writer is one.
         */
        void afterIteration(Model net, long iteration, boolean epochEnd, Table history);
    }

    /** Trains with the progress bar on standard output, evaluating on the train and test sets. */
    public static Table fit(Model net, Dataset train, Dataset test, Options options) {
        return fit(net, train, test, options, System.out);
    }

    /** Trains, evaluating on the "train" and "test" splits (see {@link #splits}). */
    public static Table fit(Model net, Dataset train, Dataset test, Options options, PrintStream out) {
        return fit(net, train, splits(train, null, test), options, out, emptyHistory(), List.of());
    }

    /**
     * The usual evaluation sets: "train" (the first {@value #TRAIN_EVAL_SIZE} training examples),
     * "validation" (left out when null) and "test".
     */
    public static Map<String, Dataset> splits(Dataset train, Dataset validation, Dataset test) {
        var splits = new LinkedHashMap<String, Dataset>();
        splits.put("train", train.head(Math.min(train.size(), TRAIN_EVAL_SIZE)));
        if (validation != null) {
            splits.put("validation", validation);
        }
        splits.put("test", test);
        return splits;
    }

    /** An empty learning-curve table with the columns {@link #fit} fills. */
    public static Table emptyHistory() {
        return Table.create("history",
                DoubleColumn.create("epoch"), IntColumn.create("iteration"), StringColumn.create("split"),
                DoubleColumn.create("loss"), DoubleColumn.create("accuracy"));
    }

    /**
     * Trains, or goes on training, {@code net} and returns its learning curves: one row per
     * (evaluation, split) with columns {@code epoch} (iterations / iterations per epoch),
     * {@code iteration}, {@code split}, {@code loss} and {@code accuracy}; the first rows are the
     * network as given (iteration 0 for an untrained one).
     *
     * <p>Training starts from the network's own iteration count (restored with a checkpoint): the
     * epoch and the position in its data order follow from it. {@code history} holds the rows
     * recorded up to that iteration and is appended to.
     *
     * @param evaluateOn the datasets evaluated, by split name, in the order their rows appear
     * @param out        where the progress bar is drawn (updated in place, about once a second)
     * @throws TrainingInterruptedException if the thread is interrupted
     * @throws DivergenceException          if the loss becomes NaN or infinite, naming the iteration
     */
    public static Table fit(Model net, Dataset train, Map<String, Dataset> evaluateOn, Options options, PrintStream out,
                            Table history, List<? extends Listener> listeners) {
        NativeMemory.watch();
        OwnGradientUpdaters.install(net);
        evaluateOn.forEach((split, data) -> {
            if (data.numClasses() != train.numClasses()) {
                throw new IllegalArgumentException(split + " set: expected " + train.numClasses()
                        + " classes like the training set, got " + data.numClasses());
            }
        });
        int n = train.size();
        int batchesPerEpoch = options.batchesPerEpoch(n);
        long total = options.totalIterations(n);
        long iteration = Nets.iterationCount(net);
        if (iteration > total) {
            throw new IllegalArgumentException("net: trained for " + iteration + " iterations, more than the "
                    + total + " of " + options);
        }
        INDArray features = train.features();
        INDArray oneHot = train.oneHotLabels();
        var progress = new ProgressBar(history.isEmpty() ? "train" : "train (resumed)", Math.max(1, total - iteration), out);
        long start = iteration;
        if (history.isEmpty()) {  // a fresh run (from iteration 0, or from a rewound state): evaluate where it starts
            record(history, iteration, batchesPerEpoch, evaluateOn, net);
        }
        int[] order = null;
        while (iteration < total) {
            if (Thread.currentThread().isInterrupted()) {
                throw new TrainingInterruptedException(iteration, total);
            }
            int epoch = (int) (iteration / batchesPerEpoch) + 1, b = (int) (iteration % batchesPerEpoch);
            if (order == null || b == 0) {
                Nets.setEpochCount(net, epoch - 1);
                order = permutation(n, new SplittableRandom(options.seed() * 1_000_003L + epoch));
            }
            int from = b * options.batchSize();
            int[] rows = Arrays.copyOfRange(order, from, Math.min(n, from + options.batchSize()));
            // Each batch is a copy; closing it frees its native memory now rather than at some later GC.
            try (INDArray x = Dataset.gatherRows(features, rows); INDArray y = Dataset.gatherRows(oneHot, rows)) {
                ((NeuralNetwork) net).fit(new DataSet(x, y));
            }
            iteration++;
            double loss = net.score();
            if (!Double.isFinite(loss)) {
                throw new DivergenceException("loss is " + loss + " at iteration " + iteration + " (epoch " + epoch + ")", iteration, null);
            }
            for (Listener listener : listeners) {
                listener.afterStep(net, iteration);
            }
            boolean epochEnd = b == batchesPerEpoch - 1 || iteration == total;
            String status = String.format("epoch %d  loss %.4f", epoch, loss);
            if (options.evalEvery() > 0 ? iteration % options.evalEvery() == 0 || iteration == total : epochEnd) {
                Evaluation last = record(history, iteration, batchesPerEpoch, evaluateOn, net);
                if (last != null) {   // null when nothing is evaluated
                    status = String.format("epoch %d  %s acc %.4f", epoch, lastSplit(evaluateOn), last.accuracy());
                }
            }
            progress.step(iteration - start, status);
            for (Listener listener : listeners) {
                listener.afterIteration(net, iteration, epochEnd, history);
            }
        }
        progress.finish(history.rowCount() == 0 ? "done" : String.format("%s accuracy %.4f", lastSplit(evaluateOn),
                history.doubleColumn("accuracy").get(history.rowCount() - 1)));
        return history;
    }

    private static String lastSplit(Map<String, Dataset> evaluateOn) {
        return evaluateOn.keySet().stream().reduce((a, b) -> b).orElse("no");
    }

    private static Evaluation record(Table history, long iteration, int batchesPerEpoch, Map<String, Dataset> evaluateOn,
                                     Model net) {
        Evaluation e = null;
        for (var split : evaluateOn.entrySet()) {
            e = Evaluation.of(net, split.getValue());
            history.doubleColumn("epoch").append((double) iteration / batchesPerEpoch);
            history.intColumn("iteration").append((int) iteration);
            history.stringColumn("split").append(split.getKey());
            history.doubleColumn("loss").append(e.loss());
            history.doubleColumn("accuracy").append(e.accuracy());
        }
        return e;
    }

    /** A uniformly random permutation of 0..n-1 (Fisher-Yates): the data order of an epoch. */
    public static int[] permutation(int n, SplittableRandom random) {
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
