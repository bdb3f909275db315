package org.repro4j.prune;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.deeplearning4j.nn.api.Model;
import org.repro4j.data.AtomicFiles;
import org.repro4j.data.Dataset;
import org.repro4j.experiment.Hparams;
import org.repro4j.experiment.ResultsStore;
import org.repro4j.experiment.Run;
import org.repro4j.experiment.Runs;
import org.repro4j.train.Nets;
import org.repro4j.train.Trainer;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Iterative magnitude pruning with rewinding: Frankle and Carbin, "The Lottery Ticket Hypothesis"
 * (ICLR 2019), section 2 (train, prune p % of each layer's surviving weights by magnitude, reset
 * the survivors, repeat), and Frankle et al., "Linear Mode Connectivity and the Lottery Ticket
 * Hypothesis" (ICML 2020), which resets them to their values at iteration {@code k} instead of 0.
 *
 * <p>Rewinding to iteration {@code k} restores the whole training state of the dense run at {@code k}
 * (weights, optimiser state, iteration count, hence the data order from there on); the pruned
 * network then trains to the same final iteration with its pruned weights held at zero. Each round
 * and each control is a run in the {@link ResultsStore}: rerunning loads finished rounds, and an
 * interrupted round resumes. The masks of a round are kept in its folder as {@code masks.bin}.
 *
 * <p>Controls, each trained with round {@code r}'s masks for {@code r >= 1}: {@code "reinit"} (the
 * same mask on a fresh random initialisation, Frankle and Carbin's control) and {@code
 * "random-mask"} (the rewound weights under a random mask with the same layer-wise densities).
 */
public final class Imp {

    /** The variant name of the pruned networks themselves. */
    public static final String TICKET = "ticket";

    /** Known controls. */
    public static final List<String> CONTROLS = List.of("reinit", "random-mask");

    static final String REWIND = "rewind.zip", MASKS = "masks.bin";

    /**
     * What to run.
     *
     * @param name       names the run of (round, variant) in the store; every pair must give a different record
     * @param init       the dense network at initialisation (deterministic: called again for round 0 resumes)
     * @param reinit     a fresh initialisation for the "reinit" control, by round
     * @param train      training data
     * @param evaluateOn datasets evaluated (see {@link Trainer#splits})
     * @param options    training length and evaluation interval, the same for every round
     * @param rounds     pruning rounds after the dense round 0, at least 0
     * @param rewindTo   iteration {@code k} the survivors are reset to, in [0, total iterations)
     * @param rates      fraction of each layer's surviving weights pruned a round, by key (see {@link #rates})
     * @param controls   which of {@link #CONTROLS} to train at every round from 1 on
     * @param seed       seed of the random-mask control
     */
    public record Spec(BiFunction<Integer, String, Hparams> name, Supplier<Model> init,
                       java.util.function.IntFunction<Model> reinit, Dataset train, Map<String, Dataset> evaluateOn,
                       Trainer.Options options, int rounds, long rewindTo, Map<String, Double> rates,
                       List<String> controls, long seed) {
        public Spec {
            if (rounds < 0) {
                throw new IllegalArgumentException("rounds: expected at least 0, got " + rounds);
            }
            long total = options.totalIterations(train.size());
            if (rewindTo < 0 || rewindTo >= total) {
                throw new IllegalArgumentException("rewindTo: expected an iteration in [0, " + total + "), got " + rewindTo);
            }
            for (String control : controls) {
                if (!CONTROLS.contains(control)) {
                    throw new IllegalArgumentException("controls: unknown '" + control + "'; known: " + String.join(", ", CONTROLS));
                }
            }
            rates.forEach((key, rate) -> {
                if (!(rate >= 0 && rate < 1)) {
                    throw new IllegalArgumentException("rates['" + key + "']: expected a value in [0, 1), got " + rate);
                }
            });
            controls = List.copyOf(controls);
            rates = Map.copyOf(rates);
        }
    }

    /** One trained network of the experiment. */
    public record Result(int round, String variant, Masks masks, Run run) {
    }

    private Imp() {
    }

    /**
     * Frankle and Carbin's layer-wise rates: {@code hidden} for every layer but the last,
     * {@code output} for the last (LeNet: 0.2 and 0.1; Conv-2/4 conv layers 0.1 with {@link #withRate}).
     */
    public static Map<String, Double> rates(Masks masks, double hidden, double output) {
        var rates = new LinkedHashMap<String, Double>();
        var keys = new ArrayList<>(masks.keys());
        for (int i = 0; i < keys.size(); i++) {
            rates.put(keys.get(i), i == keys.size() - 1 ? output : hidden);
        }
        return rates;
    }

    /** {@code rates} with {@code key}'s rate replaced by {@code rate}. */
    public static Map<String, Double> withRate(Map<String, Double> rates, String key, double rate) {
        var changed = new LinkedHashMap<>(rates);
        changed.put(key, rate);
        return changed;
    }

    /**
     * One round of layer-wise magnitude pruning: each layer keeps {@code round((1 - rate) *
     * remaining)} of its surviving weights, those of largest |w| in the trained {@code net}.
     */
    public static Masks prune(Model net, Masks current, Map<String, Double> rates) {
        var densities = new LinkedHashMap<String, Double>();
        rates.forEach((key, rate) -> densities.put(key,
                Math.round((1 - rate) * current.remaining(key)) / (double) current.size(key)));
        return Selection.layerwise(net, current, Scores.magnitude(net, current), densities);
    }

    /** Runs (or loads) round 0 .. {@code spec.rounds()} and the controls, in order. */
    public static List<Result> run(Spec spec, ResultsStore store, PrintStream out) {
        var results = new ArrayList<Result>();
        Masks masks = Masks.dense(spec.init().get());
        Path rewindFile = store.folder(spec.name().apply(0, TICKET)).resolve(REWIND);
        for (int round = 0; round <= spec.rounds(); round++) {
            out.printf("round %d: %s%n", round, masks);
            Masks roundMasks = masks;
            Run ticket = train(spec, spec.options(), store, out, round, TICKET, roundMasks,
                    round == 0 ? spec.init() : () -> rewound(rewindFile),
                    round == 0 ? List.of(rewindSaver(spec, rewindFile)) : List.of());
            results.add(new Result(round, TICKET, roundMasks, ticket));
            if (round > 0) {
                for (String control : spec.controls()) {
                    Masks controlMasks = control.equals("reinit") ? roundMasks
                            : Densities.randomMasks(ticket.net(), Densities.of(roundMasks), spec.seed() * 31 + round);
                    int r = round;
                    Supplier<Model> start = control.equals("reinit") ? () -> spec.reinit().apply(r)
                            : () -> rewound(rewindFile);
                    results.add(new Result(round, control, controlMasks, train(spec, spec.options(), store, out, round, control, controlMasks, start, List.of())));
                }
            }
            if (round < spec.rounds()) {
                masks = prune(ticket.net(), roundMasks, spec.rates());
            }
        }
        return results;
    }

    /**
     * One row per result and evaluation: {@code round}, {@code variant}, {@code density} (fraction of
     * prunable weights kept) and the run's metrics (epoch, iteration, split, loss, accuracy).
     */
    public static Table metrics(List<Result> results) {
        Table all = null;
        for (Result r : results) {
            Table m = r.run().metrics().copy();
            int n = m.rowCount();
            m.addColumns(IntColumn.create("round", n).setMissingTo(r.round()),
                    StringColumn.create("variant", n).setMissingTo(r.variant()),
                    DoubleColumn.create("density", n).setMissingTo(r.masks().density()));
            all = all == null ? m.setName("imp") : all.append(m);
        }
        return all;
    }

    /**
     * Trains {@code result}'s masks again from the same starting point (the rewound state for a
     * ticket or a random-mask control, round 0's initialisation for round 0) under other {@code
     * options}, usually another data order, as a run named {@code spec.name().apply(round,
     * variant)}: the second copy of Frankle et al.'s instability analysis.
     */
    public static Run retrain(Spec spec, ResultsStore store, Result result, String variant, Trainer.Options options,
                              PrintStream out) {
        if (result.variant().equals("reinit")) {
            throw new IllegalArgumentException("result: expected a ticket or a random-mask result, got a reinit control");
        }
        Path rewindFile = store.folder(spec.name().apply(0, TICKET)).resolve(REWIND);
        return train(spec, options, store, out, result.round(), variant, result.masks(),
                result.round() == 0 ? spec.init() : () -> rewound(rewindFile), List.of());
    }

    /**
     * One row per result: {@code round}, {@code variant}, {@code density}, the early-stopping
     * iteration (of minimum validation loss, Frankle and Carbin's criterion), the test accuracy there,
     * and the test accuracy at the end.
     *
     * @throws IllegalArgumentException if the runs were not evaluated on a "validation" and a "test" split
     */
    public static Table summary(List<Result> results) {
        var table = Table.create("summary", IntColumn.create("round"), StringColumn.create("variant"),
                DoubleColumn.create("density"), IntColumn.create("earlyStopIteration"),
                DoubleColumn.create("earlyStopTestAccuracy"), DoubleColumn.create("finalTestAccuracy"));
        for (Result r : results) {
            Table m = r.run().metrics();
            Table validation = m.where(m.stringColumn("split").isEqualTo("validation"));
            Table test = m.where(m.stringColumn("split").isEqualTo("test"));
            if (validation.isEmpty() || test.isEmpty()) {
                throw new IllegalArgumentException("results: expected metrics with \"validation\" and \"test\" splits, got "
                        + m.stringColumn("split").unique().asList());
            }
            int best = 0;
            for (int i = 1; i < validation.rowCount(); i++) {
                if (validation.doubleColumn("loss").get(i) < validation.doubleColumn("loss").get(best)) {
                    best = i;
                }
            }
            int iteration = validation.intColumn("iteration").get(best);
            Table atBest = test.where(test.intColumn("iteration").isEqualTo(iteration));
            table.intColumn("round").append(r.round());
            table.stringColumn("variant").append(r.variant());
            table.doubleColumn("density").append(r.masks().density());
            table.intColumn("earlyStopIteration").append(iteration);
            table.doubleColumn("earlyStopTestAccuracy").append(atBest.doubleColumn("accuracy").get(0));
            table.doubleColumn("finalTestAccuracy").append(test.doubleColumn("accuracy").get(test.rowCount() - 1));
        }
        return table;
    }

    private static Run train(Spec spec, Trainer.Options options, ResultsStore store, PrintStream out, int round,
                             String variant, Masks masks, Supplier<Model> start, List<Trainer.Listener> extra) {
        Hparams hparams = spec.name().apply(round, variant);
        Path folder = store.folder(hparams);
        try {
            Path file = folder.resolve(MASKS);
            if (!Files.exists(file)) {
                masks.save(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var listeners = new ArrayList<Trainer.Listener>();
        listeners.add(masks.enforcer());
        listeners.addAll(extra);
        out.printf("  %s (round %d, %.2f %% of weights): %s%n", variant, round, 100 * masks.density(), folder);
        return Runs.runOrLoad(hparams, store, () -> {
            Model net = start.get();
            masks.applyTo(net);
            return net;
        }, spec.train(), spec.evaluateOn(), options, out, listeners);
    }

    private static Model rewound(Path rewindFile) {
        if (!Files.isRegularFile(rewindFile)) {
            throw new IllegalStateException(rewindFile + ": the dense round's state at the rewind iteration is missing; "
                    + "delete round 0's folder to train it again");
        }
        try {
            return Nets.restore(rewindFile, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Saves the dense round's whole state at the rewind iteration (before training when it is 0). */
    private static Trainer.Listener rewindSaver(Spec spec, Path rewindFile) {
        if (spec.rewindTo() == 0 && !Files.exists(rewindFile)) {
            save(spec.init().get(), rewindFile);
        }
        return (net, iteration, epochEnd, history) -> {
            if (iteration == spec.rewindTo()) {
                save(net, rewindFile);
            }
        };
    }

    private static void save(Model net, Path file) {
        try {
            AtomicFiles.write(file, o -> Nets.write(net, o, true));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
