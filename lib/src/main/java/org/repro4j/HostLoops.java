package org.repro4j;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Splits repro4j's Java loops over host arrays ({@link HostArrays}) across as many threads as ND4J's own ops use, so
 * that one setting, {@code OMP_NUM_THREADS}, decides how many cores a step takes: the native ops and the Java loops
 * between them alike. With one thread (the notebooks' kernel, which runs two seeds side by side instead) everything
 * stays on the calling thread; with two, a group normalisation of a batch of 128 28x28 images took half as long.
 */
public final class HostLoops {

    private HostLoops() {
    }

    /** A loop body over the items {@code [from, to)}. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    /** Fewest values a range of {@link #split} should hold: waking a thread costs tens of microseconds, about as long as a pass over 64K floats. */
    public static final int GRAIN_VALUES = 1 << 16;

    /** The grain for items of {@code valuesPerItem} values each: enough items for {@link #GRAIN_VALUES} values, at least 1. */
    public static int grain(long valuesPerItem) {
        return (int) Math.max(1, GRAIN_VALUES / Math.max(1, valuesPerItem));
    }

    /** {@link #using}'s setting on each thread; 0 when none. */
    private static final ThreadLocal<Integer> OVERRIDE = ThreadLocal.withInitial(() -> 0);

    /**
     * The threads the Java loops take: those ND4J's ops use here ({@code OMP_NUM_THREADS}, else the cores), at least 1;
     * within {@link #using}, its number.
     */
    public static int threads() {
        int override = OVERRIDE.get();
        return override > 0 ? override : Math.max(1, Nd4j.getEnvironment().maxThreads());
    }

    /**
     * Runs {@code body} on this thread with {@link #threads()} at {@code threads}, then as before: the Java loops it starts
     * take that many threads, ND4J's own ops as many as ever (which ND4J cannot raise after its start). For tests and
     * comparisons.
     *
     * @throws IllegalArgumentException if {@code threads} is below 1
     */
    public static void using(int threads, Runnable body) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: expected at least 1, got " + threads);
        }
        int before = OVERRIDE.get();
        OVERRIDE.set(threads);
        try {
            body.run();
        } finally {
            OVERRIDE.set(before);
        }
    }

    /**
     * The number of ranges {@link #split} cuts {@code count} items into: {@link #threads()}, but no more than leave each
     * range {@code grain} items ({@link #grain}), and at least 1.
     *
     * @throws IllegalArgumentException if {@code count} is negative or {@code grain} below 1
     */
    public static int ranges(int count, int grain) {
        if (count < 0) {
            throw new IllegalArgumentException("count: expected at least 0, got " + count);
        }
        if (grain < 1) {
            throw new IllegalArgumentException("grain: expected at least 1, got " + grain);
        }
        return Math.max(1, Math.min(threads(), count / grain));
    }

    /** The first item of range {@code r} of {@code ranges} over {@code count} items (consecutive, sizes differing by at most 1). */
    public static int start(int count, int ranges, int r) {
        return (int) ((long) count * r / ranges);
    }

    /**
     * Runs {@code body} over {@code [0, count)} cut into {@link #ranges}{@code (count, grain)} consecutive ranges, range
     * r being {@code [start(count, ranges, r), start(count, ranges, r + 1))}: the first on this thread, the others on the
     * common fork-join pool. Returns once all are done; a failure is thrown here once all are (the earliest range's, the
     * others' added as suppressed).
     */
    public static void split(int count, int grain, Range body) {
        int ranges = ranges(count, grain);
        if (ranges == 1) {
            body.run(0, count);
            return;
        }
        List<ForkJoinTask<?>> others = new ArrayList<>(ranges - 1);
        for (int r = 1; r < ranges; r++) {
            int from = start(count, ranges, r), to = start(count, ranges, r + 1);
            others.add(ForkJoinPool.commonPool().submit(() -> body.run(from, to)));
        }
        RuntimeException failure = null;
        try {
            body.run(0, start(count, ranges, 1));
        } catch (RuntimeException e) {
            failure = e;
        }
        for (ForkJoinTask<?> other : others) {
            try {
                other.join();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
