package org.repro4j.experiment;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * Runs a list of hyperparameter records in order, each through {@code run} (usually
 * {@link Runs#runOrLoad}, so finished runs load and unfinished ones resume), and stacks their
 * metrics into one tidy table with a column for each record field that varies across the list:
 * {@code Plots.line(table.where(...), "epoch", "accuracy", "lr")}.
 */
public final class Sweep {

    private Sweep() {
    }

    /** The metrics of every run, one column added per varied field (named after it). */
    public static <H extends Hparams> Table run(List<H> hparams, Function<H, Run> run) {
        return run(hparams, 1, run);
    }

    /**
     * {@link #run(List, Function)} with the runs spread over {@code threads} threads ({@link
     * Parallel#map}); the table is the same whatever the number of threads.
     */
    public static <H extends Hparams> Table run(List<H> hparams, int threads, Function<H, Run> run) {
        if (hparams.isEmpty()) {
            throw new IllegalArgumentException("hparams: expected at least one record, got none");
        }
        List<RecordComponent> varied = new ArrayList<>();
        for (RecordComponent component : hparams.get(0).getClass().getRecordComponents()) {
            Object first = CanonicalJson.get(component, (Record) hparams.get(0));
            if (hparams.stream().anyMatch(h -> !Objects.deepEquals(CanonicalJson.get(component, (Record) h), first))) {
                varied.add(component);
            }
        }
        List<Run> runs = Parallel.map(hparams, threads, run);
        Table all = null;
        for (int i = 0; i < hparams.size(); i++) {
            H h = hparams.get(i);
            Table metrics = runs.get(i).metrics().copy();
            for (RecordComponent component : varied) {
                metrics.addColumns(constant(component.getName(), CanonicalJson.get(component, (Record) h), metrics.rowCount()));
            }
            all = all == null ? metrics.setName("sweep") : all.append(metrics);
        }
        return all;
    }

    private static Column<?> constant(String name, Object value, int rows) {
        if (value instanceof Integer i) {
            return IntColumn.create(name, rows).setMissingTo(i);
        } else if (value instanceof Long l) {
            return LongColumn.create(name, rows).setMissingTo(l);
        } else if (value instanceof Number n) {
            return DoubleColumn.create(name, rows).setMissingTo(n.doubleValue());
        }
        return StringColumn.create(name, rows).setMissingTo(String.valueOf(value));
    }
}
