package org.repro4j.bench;

import java.util.Arrays;

/**
 * Times one workload: untimed runs, at least {@code warmups} of them and at least {@link #WARMUP_SECONDS} of them (JIT,
 * ND4J's first-call allocations, OpenMP's thread pool), then up to {@code repeats} timed runs, stopping early once
 * {@code budgetSeconds} of timed runs have passed (but never before {@link #MIN_REPEATS}); the result is the median.
 * The PyTorch script in {@code bench/pytorch/workloads.py} follows the same rules.
 */
final class Harness {

    /** Timed runs taken even when one run exceeds the budget. */
    static final int MIN_REPEATS = 3;
    /**
     * Seconds of untimed runs at least. The JVM compiles a workload's hot code over its first seconds, which a notebook's
     * minutes of training never see: with one untimed run, LeNet-300-100's step at batch 60 was timed at 1.42 ms,
     * where a loop after 6 s of steps takes 1.08-1.18 ms (and 1.25 ms in its first 3 s).
     */
    static final double WARMUP_SECONDS = 5;

    private Harness() {
    }

    /** The median wall time of one run of {@code work}, in seconds. */
    static double median(int warmups, int repeats, double budgetSeconds, Runnable work) {
        long warmupStart = System.nanoTime();
        for (int i = 0; i < warmups || System.nanoTime() - warmupStart < WARMUP_SECONDS * 1e9; i++) {
            work.run();
        }
        double[] times = new double[repeats];
        int n = 0;
        double spent = 0;
        while (n < repeats && (n < MIN_REPEATS || spent < budgetSeconds)) {
            long start = System.nanoTime();
            work.run();
            times[n] = (System.nanoTime() - start) / 1e9;
            spent += times[n++];
        }
        double[] taken = Arrays.copyOf(times, n);
        Arrays.sort(taken);
        return n % 2 == 1 ? taken[n / 2] : (taken[n / 2 - 1] + taken[n / 2]) / 2;
    }
}
