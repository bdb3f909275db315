package org.repro4j.experiment;

import java.util.List;
import java.util.Locale;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * One number a paper reports, beside the number we measured, and the verdict that follows from
 * the two alone. Every notebook ends with a table of these ({@link #table}).
 *
 * <p>The verdict: at {@link Scale#SMOKE} nothing is concluded; when our spread (e.g. the standard
 * deviation over seeds) straddles the threshold the claim is {@link Verdict#INCONCLUSIVE};
 * otherwise it is {@link Verdict#REPRODUCED} when our number lies on the claimed side of the
 * paper's, within {@code tolerance}, and {@link Verdict#NOT_REPRODUCED} when it does not.
 * A claim that is only evidence when something else holds (a memorisation curve means nothing if the
 * small models never memorised) names that as its preconditions ({@link #requiring}): unless every one
 * of them is reproduced, its verdict is {@link Verdict#INCONCLUSIVE} whatever its own numbers say.
 *
 * @param claim     what the paper says, in a few words ("winning tickets at 3.6 % of weights match the dense net")
 * @param dataset   where the paper measured it, and where we did if different ("MNIST (paper) / Fashion-MNIST (ours)")
 * @param paper     the paper's number
 * @param ours      our measured number, same unit
 * @param spread    our uncertainty in the same unit (0 for a single run), never negative
 * @param tolerance how far ours may fall short of the paper's and still count, never negative
 * @param direction which side of the paper's number counts as agreement
 * @param scale     the scale ours was measured at
 * @param given     claims that must be reproduced for this one to count (none for most claims)
 */
public record Claim(String claim, String dataset, double paper, double ours, double spread, double tolerance,
                    Direction direction, Scale scale, List<Claim> given) {

    /** Which side of the paper's number agrees with it. */
    public enum Direction {
        /** ours >= paper - tolerance (e.g. an accuracy the paper reaches) */
        AT_LEAST,
        /** ours <= paper + tolerance (e.g. an error or a distance) */
        AT_MOST,
        /** |ours - paper| <= tolerance */
        WITHIN
    }

    /** What the numbers say. */
    public enum Verdict {
        REPRODUCED("reproduced"), NOT_REPRODUCED("not reproduced"), INCONCLUSIVE("inconclusive at this scale");

        private final String text;

        Verdict(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    public Claim {
        finite("paper", paper);
        finite("ours", ours);
        finite("spread", spread);
        finite("tolerance", tolerance);
        if (spread < 0 || tolerance < 0) {
            throw new IllegalArgumentException("spread and tolerance: expected >= 0, got " + spread + " and " + tolerance);
        }
        if (direction == null || scale == null) {
            throw new IllegalArgumentException("direction and scale: expected values, got " + direction + " and " + scale);
        }
        if (given == null) {
            throw new IllegalArgumentException("given: expected a list of preconditions (empty for none), got null");
        }
        given = List.copyOf(given);
    }

    /** A claim without preconditions. */
    public Claim(String claim, String dataset, double paper, double ours, double spread, double tolerance, Direction direction,
                 Scale scale) {
        this(claim, dataset, paper, ours, spread, tolerance, direction, scale, List.of());
    }

    /** This claim, counted only if every one of {@code preconditions} is reproduced (see the class comment). */
    public Claim requiring(Claim... preconditions) {
        return new Claim(claim, dataset, paper, ours, spread, tolerance, direction, scale, List.of(preconditions));
    }

    private static void finite(String field, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(field + ": expected a finite number, got " + value);
        }
    }

    /**
     * A claim measured once per seed: {@code ours} is the mean of {@code perSeed} (e.g. one paired
     * difference per seed) and {@code spread} its standard error, the sample standard deviation over
     * sqrt(n) (0 for a single seed).
     *
     * @throws IllegalArgumentException if {@code perSeed} is empty or holds a non-finite value
     */
    public static Claim ofSeeds(String claim, String dataset, double paper, double[] perSeed, double tolerance,
                                Direction direction, Scale scale) {
        if (perSeed.length == 0) {
            throw new IllegalArgumentException("perSeed: expected at least one value, got none");
        }
        var estimate = Stats.meanAndError(perSeed);
        return new Claim(claim, dataset, paper, estimate.mean(), estimate.error(), tolerance, direction, scale);
    }

    /** The verdict computed from the numbers (see the class comment). */
    public Verdict verdict() {
        if (scale == Scale.SMOKE || given.stream().anyMatch(c -> c.verdict() != Verdict.REPRODUCED)) {
            return Verdict.INCONCLUSIVE;
        }
        boolean low = agrees(ours - spread), high = agrees(ours + spread);
        boolean coversBand = direction == Direction.WITHIN && ours - spread < paper - tolerance && ours + spread > paper + tolerance;
        if (low != high || coversBand) {
            return Verdict.INCONCLUSIVE;
        }
        return low ? Verdict.REPRODUCED : Verdict.NOT_REPRODUCED;
    }

    private boolean agrees(double value) {
        return switch (direction) {
            case AT_LEAST -> value >= paper - tolerance;
            case AT_MOST -> value <= paper + tolerance;
            case WITHIN -> Math.abs(value - paper) <= tolerance;
        };
    }

    /**
     * The claims as a table: claim, dataset, paper, ours, ± (spread), tolerance, direction, scale, verdict, and when
     * any claim has preconditions a last column {@code given} naming them with their verdicts.
     */
    public static Table table(List<Claim> claims) {
        Table table = Table.create("claims",
                StringColumn.create("claim", claims.stream().map(Claim::claim)),
                StringColumn.create("dataset", claims.stream().map(Claim::dataset)),
                DoubleColumn.create("paper", claims.stream().mapToDouble(Claim::paper)),
                DoubleColumn.create("ours", claims.stream().mapToDouble(Claim::ours)),
                DoubleColumn.create("±", claims.stream().mapToDouble(Claim::spread)),
                DoubleColumn.create("tolerance", claims.stream().mapToDouble(Claim::tolerance)),
                StringColumn.create("direction", claims.stream().map(c -> c.direction().name().toLowerCase(Locale.ROOT))),
                StringColumn.create("scale", claims.stream().map(c -> c.scale().toString())),
                StringColumn.create("verdict", claims.stream().map(c -> c.verdict().toString())));
        if (claims.stream().anyMatch(c -> !c.given().isEmpty())) {
            table.addColumns(StringColumn.create("given", claims.stream().map(c -> String.join("; ",
                    c.given().stream().map(g -> g.claim() + " (" + g.verdict() + ")").toList()))));
        }
        return table;
    }
}
