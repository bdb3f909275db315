package org.repro4j.train;

import java.util.stream.Collectors;
import tech.tablesaw.api.Table;

/**
 * Summaries of one run's learning curve (the history table of {@link Trainer#fit}: columns {@code
 * iteration}, {@code split}, {@code loss}, {@code accuracy}), each a single number a notebook can put in
 * a claim: how fast a curve falls, where it ends, how much it jumps about.
 */
public final class Curves {

    private Curves() {
    }

    /**
     * The mean of {@code column} over the evaluations of {@code split} after iteration 0: the area
     * under the learning curve divided by its length when evaluations are evenly spaced. For a loss,
     * lower means the run trained faster over the whole budget, not only at its end.
     */
    public static double meanAfterStart(Table history, String split, String column) {
        double[] v = values(history, split, column, 1);
        return mean(v, 0, v.length);
    }

    /** The mean of {@code column} over the last {@code k} evaluations of {@code split} (where the curve ends, less noisy than the last point). */
    public static double lastMean(Table history, String split, String column, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k: expected at least 1 evaluation, got " + k);
        }
        double[] v = values(history, split, column, 0);
        if (v.length < k) {
            throw new IllegalArgumentException("k: expected at most the " + v.length + " evaluations of split '" + split + "', got " + k);
        }
        return mean(v, v.length - k, v.length);
    }

    /**
     * The mean absolute change of {@code column} between consecutive evaluations of {@code split}
     * at or after iteration {@code from}: how much the curve jumps from one evaluation to the next
     * (0 for a smooth flat curve). A curve that still falls steadily adds its slope to this, so
     * compare runs over a late stretch of training where the trend is small.
     */
    public static double meanAbsChange(Table history, String split, String column, long from) {
        double[] v = values(history, split, column, from);
        if (v.length < 2) {
            throw new IllegalArgumentException("from: expected at least 2 evaluations of split '" + split + "' at or after iteration "
                    + from + ", got " + v.length);
        }
        double sum = 0;
        for (int i = 1; i < v.length; i++) {
            sum += Math.abs(v[i] - v[i - 1]);
        }
        return sum / (v.length - 1);
    }

    /** The values of {@code column} of {@code split} from iteration {@code from} on, in iteration order. */
    static double[] values(Table history, String split, String column, long from) {
        if (!history.containsColumn(column)) {
            throw new IllegalArgumentException("column: expected one of " + history.columnNames() + ", got '" + column + "'");
        }
        Table rows = history.where(history.stringColumn("split").isEqualTo(split));
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("split: expected one of " + history.stringColumn("split").unique().asList().stream()
                    .sorted().collect(Collectors.joining(", ")) + ", got '" + split + "'");
        }
        rows = rows.where(rows.intColumn("iteration").isGreaterThanOrEqualTo((int) from)).sortAscendingOn("iteration");
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("split '" + split + "': no evaluation at or after iteration " + from);
        }
        return rows.numberColumn(column).asDoubleArray();
    }

    private static double mean(double[] v, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += v[i];
        }
        return sum / (to - from);
    }
}
