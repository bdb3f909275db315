package org.repro4j.optim;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * How the learning rate should scale with the batch size, measured from a grid of runs: Granziol,
 * Zohren, Roberts et al., "Learning Rates as a Function of Batch Size: A Random Matrix Theory
 * Approach to Neural Network Training" (JMLR 2022) predict that the largest stable (and best)
 * learning rate grows linearly with the batch size for SGD and as its square root for adaptive
 * optimisers such as Adam, i.e. a log-log slope of 1 and of 1/2.
 *
 * <p>A sweep gives, for each batch size, the final loss at each learning rate of a log-spaced grid
 * (NaN or infinite for a run that diverged). {@link #bestLr} and {@link #largestStable} turn one
 * such row into a learning rate, {@link #logLog} fits the slope over batch sizes and {@link
 * #bootstrapSlopes} gives the slope's spread by resampling seeds.
 */
public final class LrScaling {

    private LrScaling() {
    }

    /**
     * The learning rate of least loss.
     *
     * @param lr     the estimate
     * @param atEdge whether the least loss of the grid was at its smallest or largest rate (then the
     *               true optimum may lie outside the grid and {@code lr} is only a bound)
     */
    public record Best(double lr, boolean atEdge) {
    }

    /**
     * The learning rate of least loss on a grid, refined between grid points: the parabola through
     * the least grid point and its two neighbours, in log learning rate, has its vertex there (clamped
     * to the neighbours). Without two finite neighbours (the least point at the grid's edge, or next
     * to a diverged run) the grid point itself is returned.
     *
     * @param lrs    the grid, strictly increasing, positive
     * @param losses the final loss at each rate; NaN or infinite for a diverged run
     * @throws IllegalArgumentException if the grid is malformed or every run diverged
     */
    public static Best bestLr(double[] lrs, double[] losses) {
        check(lrs, losses);
        int best = -1;
        for (int i = 0; i < lrs.length; i++) {
            if (Double.isFinite(losses[i]) && (best < 0 || losses[i] < losses[best])) {
                best = i;
            }
        }
        if (best < 0) {
            throw new IllegalArgumentException("losses: every run diverged, no best learning rate in " + Arrays.toString(lrs));
        }
        boolean edge = best == 0 || best == lrs.length - 1;
        if (edge || !Double.isFinite(losses[best - 1]) || !Double.isFinite(losses[best + 1])) {
            return new Best(lrs[best], edge);
        }
        double x1 = Math.log(lrs[best - 1]), x2 = Math.log(lrs[best]), x3 = Math.log(lrs[best + 1]);
        double y1 = losses[best - 1], y2 = losses[best], y3 = losses[best + 1];
        // vertex of the parabola through (x1, y1), (x2, y2), (x3, y3)
        double numerator = (x2 - x1) * (x2 - x1) * (y2 - y3) - (x2 - x3) * (x2 - x3) * (y2 - y1);
        double denominator = (x2 - x1) * (y2 - y3) - (x2 - x3) * (y2 - y1);
        double x = denominator == 0 ? x2 : x2 - 0.5 * numerator / denominator;
        return new Best(Math.exp(Math.max(x1, Math.min(x3, x))), false);
    }

    /**
     * The largest learning rate of the grid whose run ended with a finite loss below {@code
     * threshold} (e.g. the loss at initialisation, ln 10 for ten classes: a run that ends above it
     * has not learned), or NaN if none did. A grid resolution, no refinement.
     */
    public static double largestStable(double[] lrs, double[] losses, double threshold) {
        check(lrs, losses);
        for (int i = lrs.length - 1; i >= 0; i--) {
            if (Double.isFinite(losses[i]) && losses[i] < threshold) {
                return lrs[i];
            }
        }
        return Double.NaN;
    }

    /** A straight line {@code ln y = slope * ln x + intercept}. */
    public record Fit(double slope, double intercept) {
        /** The fitted y at {@code x}. */
        public double at(double x) {
            return Math.exp(slope * Math.log(x) + intercept);
        }
    }

    /** The least-squares line through (ln x, ln y): a power law y ~ x^slope. */
    public static Fit logLog(double[] x, double[] y) {
        if (x.length != y.length || x.length < 2) {
            throw new IllegalArgumentException("x, y: expected two arrays of the same length, at least 2, got " + x.length + " and " + y.length);
        }
        double mx = 0, my = 0;
        for (int i = 0; i < x.length; i++) {
            if (!(x[i] > 0) || !(y[i] > 0) || !Double.isFinite(x[i]) || !Double.isFinite(y[i])) {
                throw new IllegalArgumentException("x, y: expected positive finite values, got x[" + i + "] = " + x[i] + ", y[" + i + "] = " + y[i]);
            }
            mx += Math.log(x[i]) / x.length;
            my += Math.log(y[i]) / x.length;
        }
        double sxy = 0, sxx = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (Math.log(x[i]) - mx) * (Math.log(y[i]) - my);
            sxx += (Math.log(x[i]) - mx) * (Math.log(x[i]) - mx);
        }
        if (sxx == 0) {
            throw new IllegalArgumentException("x: expected at least two different values, got " + Arrays.toString(x));
        }
        return new Fit(sxy / sxx, my - sxy / sxx * mx);
    }

    /**
     * Log-log slopes of {@code pick} against the batch size, one per bootstrap replicate: each
     * replicate draws, for every batch size independently, as many seeds as there are with
     * replacement, averages their losses at each learning rate (a diverged run makes the average
     * infinite), applies {@code pick} to that row and fits {@link #logLog}.
     *
     * @param batchSizes the batch sizes, at least two different ones
     * @param losses     {@code losses[b][s][l]}: final loss of batch size b, seed s, learning rate l
     * @param pick       a row of mean losses over the grid -> a learning rate (e.g. {@code l -> bestLr(lrs, l).lr()})
     * @param replicates number of bootstrap replicates, at least 1
     * @param seed       seed of the resampling
     */
    public static double[] bootstrapSlopes(double[] batchSizes, double[][][] losses, ToDoubleFunction<double[]> pick,
                                           int replicates, long seed) {
        if (losses.length != batchSizes.length) {
            throw new IllegalArgumentException("losses: expected one block per batch size (" + batchSizes.length + "), got " + losses.length);
        }
        if (replicates < 1) {
            throw new IllegalArgumentException("replicates: expected at least 1, got " + replicates);
        }
        var random = new SplittableRandom(seed);
        double[] slopes = new double[replicates];
        double[] lr = new double[batchSizes.length];
        for (int r = 0; r < replicates; r++) {
            for (int b = 0; b < batchSizes.length; b++) {
                int seeds = losses[b].length;
                double[] row = new double[losses[b][0].length];
                for (int s = 0; s < seeds; s++) {
                    double[] drawn = losses[b][random.nextInt(seeds)];
                    for (int l = 0; l < row.length; l++) {
                        row[l] += (Double.isFinite(drawn[l]) ? drawn[l] : Double.POSITIVE_INFINITY) / seeds;
                    }
                }
                lr[b] = pick.applyAsDouble(row);
            }
            slopes[r] = logLog(batchSizes, lr).slope();
        }
        return slopes;
    }

    /** The mean of each column of {@code rows} ({@code rows[s][l]}), infinite where any row is not finite. */
    public static double[] meanOverSeeds(double[][] rows) {
        double[] mean = new double[rows[0].length];
        for (double[] row : rows) {
            for (int l = 0; l < mean.length; l++) {
                mean[l] += (Double.isFinite(row[l]) ? row[l] : Double.POSITIVE_INFINITY) / rows.length;
            }
        }
        return mean;
    }

    private static void check(double[] lrs, double[] losses) {
        if (lrs.length != losses.length || lrs.length == 0) {
            throw new IllegalArgumentException("lrs, losses: expected two non-empty arrays of the same length, got "
                    + lrs.length + " and " + losses.length);
        }
        for (int i = 0; i < lrs.length; i++) {
            if (!(lrs[i] > 0) || (i > 0 && !(lrs[i] > lrs[i - 1]))) {
                throw new IllegalArgumentException("lrs: expected positive, strictly increasing rates, got " + Arrays.toString(lrs));
            }
        }
    }
}
