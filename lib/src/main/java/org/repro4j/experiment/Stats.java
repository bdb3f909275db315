package org.repro4j.experiment;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The summaries a notebook's claim check puts beside a number measured over seeds: the mean, the
 * sample standard deviation (n - 1 in the denominator) and the standard error of the mean, sd / sqrt(n).
 * One value has no spread: its standard deviation and standard error are 0, so a single-seed
 * run gives a claim without an error bar rather than a NaN.
 */
public final class Stats {

    private Stats() {
    }

    /** The arithmetic mean of at least one value. */
    public static double mean(double... values) {
        check(values);
        return Arrays.stream(values).sum() / values.length;
    }

    /** The sample standard deviation, sqrt(sum (v - mean)^2 / (n - 1)); 0 for one value. */
    public static double sd(double... values) {
        check(values);
        if (values.length < 2) {
            return 0;
        }
        double m = mean(values);
        return Math.sqrt(Arrays.stream(values).map(v -> (v - m) * (v - m)).sum() / (values.length - 1));
    }

    /** The standard error of the mean, sd / sqrt(n); 0 for one value. */
    public static double standardError(double... values) {
        return sd(values) / Math.sqrt(values.length);
    }

    /** A mean and its standard error, e.g. of a paired difference over seeds, as a claim reports it. */
    public record Estimate(double mean, double error) {
    }

    /** The mean of {@code values} and its {@link #standardError}. */
    public static Estimate meanAndError(double... values) {
        return new Estimate(mean(values), standardError(values));
    }

    /** The mean and standard error of {@code value} over {@code items} (e.g. over seeds: {@code s -> accuracy(s) - dense(s)}). */
    public static <T> Estimate meanAndError(List<T> items, ToDoubleFunction<T> value) {
        return meanAndError(items.stream().mapToDouble(value).toArray());
    }

    private static void check(double[] values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("values: expected at least one value, got none");
        }
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException("values[" + i + "]: expected a finite number, got " + values[i]);
            }
        }
    }
}
