package org.repro4j.prune;

import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.data.Dataset;
import org.repro4j.train.Evaluation;
import org.repro4j.train.Nets;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

/**
 * Linear mode connectivity (Frankle et al., "Linear Mode Connectivity and the Lottery Ticket
 * Hypothesis", ICML 2020, section 2): two copies of a network trained from the same state with
 * different data orders are evaluated along the straight line between their weights; the
 * instability is the largest error on that line minus the mean of the two end points' errors.
 * The paper calls training stable when it is below 2 percentage points, with 30 points on the line.
 */
public final class Stability {

    /** Points on the line in the paper. */
    public static final int PAPER_POINTS = 30;

    private Stability() {
    }

    /**
     * Evaluates {@code (1 - alpha) * a + alpha * b} at {@code points} evenly spaced alphas from 0 to
     * 1 on {@code data}: columns {@code alpha}, {@code loss}, {@code error}. Neither network changes.
     */
    public static Table path(Model a, Model b, Dataset data, int points) {
        if (points < 2) {
            throw new IllegalArgumentException("points: expected at least 2 (the two ends), got " + points);
        }
        INDArray pa = a.params(), pb = b.params();
        if (pa.length() != pb.length()) {
            throw new IllegalArgumentException("b: expected a network like a, with " + pa.length() + " parameters, got " + pb.length());
        }
        Model mix = Nets.copy(a, pa.dataType());
        var table = Table.create("path", DoubleColumn.create("alpha"), DoubleColumn.create("loss"), DoubleColumn.create("error"));
        for (int i = 0; i < points; i++) {
            double alpha = (double) i / (points - 1);
            mix.setParams(pa.mul(1 - alpha).addi(pb.mul(alpha)));
            Evaluation e = Evaluation.of(mix, data);
            table.doubleColumn("alpha").append(alpha);
            table.doubleColumn("loss").append(e.loss());
            table.doubleColumn("error").append(1 - e.accuracy());
        }
        return table;
    }

    /** The instability of a {@link #path}: max error minus the mean error of its two ends. */
    public static double barrier(Table path) {
        DoubleColumn error = path.doubleColumn("error");
        return error.max() - (error.get(0) + error.get(error.size() - 1)) / 2;
    }
}
