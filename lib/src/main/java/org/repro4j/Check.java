package org.repro4j;

import java.util.Collection;

/**
 * Argument checks shared by every package, so a bad value fails where it is given, naming the
 * field, the allowed range and the value; also for the compact constructors of hyperparameter records:
 * {@code record Lth(double lr, double pruneRate) { Lth { Check.positive("lr", lr); Check.fraction("pruneRate", pruneRate); } }}.
 */
public final class Check {

    private Check() {
    }

    /** A finite number greater than 0 (a learning rate, a gain, a noise level). */
    public static double positive(String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + ": expected a finite number above 0, got " + value);
        }
        return value;
    }

    /** A finite number of at least 0 (a standard deviation, a weight decay). */
    public static double nonNegative(String field, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + ": expected a finite number of at least 0, got " + value);
        }
        return value;
    }

    /** An integer of at least {@code min} (a batch size, a number of epochs). */
    public static int atLeast(String field, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(field + ": expected at least " + min + ", got " + value);
        }
        return value;
    }

    /** A fraction in [0, 1) (a sparsity, a pruning rate, a label-noise rate). */
    public static double fraction(String field, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(field + ": expected a value in [0, 1), got " + value);
        }
        return value;
    }

    /** One of the {@code known} names (a model, a dataset). */
    public static String oneOf(String field, String value, Collection<String> known) {
        if (!known.contains(value)) {
            throw new IllegalArgumentException(field + ": unknown '" + value + "'; known: " + String.join(", ", known));
        }
        return value;
    }
}
