package org.repro4j.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Times one workload: untimed runs, at least {@code warmups} of them and at least {@link #WARMUP_SECONDS} of them (JIT,
 * ND4J's first-call allocations, OpenMP's thread pool), and on until the JIT compiler has settled ({@link Compiler#settled}, at
 * most {@link #MAX_WARMUP_SECONDS}); then up to {@code repeats} timed runs, stopping early once {@code budgetSeconds} of
 * timed runs have passed (but never before {@link #MIN_REPEATS}); the result is the median. The PyTorch script in
 * {@code bench/pytorch/workloads.py} follows the same rules (it has no JIT to wait for).
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
    /**
     * Seconds of untimed runs at most. The JVM's compiler goes on compiling DL4J's code long after 5 s: in the conv net's
     * train step at 2 threads it took 194, 136, 362, 49, 207 ms of CPU in seconds 6 to 10 of a process and settled near
     * second 19, and on a 2-core machine each of those bursts takes a core from the step's two OpenMP threads (a oneDNN
     * convolution that takes 0.7 ms took 5-8 ms one call in ten). A notebook trains for minutes, long after.
     */
    static final double MAX_WARMUP_SECONDS = 40;
    /** Milliseconds the compiler may spend in a second of warm-up that counts as quiet ({@link Compiler#settled}). */
    static final long QUIET_COMPILE_MILLIS = 20;

    private Harness() {
    }

    /** The median wall time of one run of {@code work}, in seconds. */
    static double median(int warmups, int repeats, double budgetSeconds, Runnable work) {
        long warmupStart = System.nanoTime();
        var compiler = new Compiler();
        for (int i = 0; ; i++) {
            work.run();
            double elapsed = (System.nanoTime() - warmupStart) / 1e9;
            compiler.sample();
            if (i + 1 >= warmups && (elapsed >= MAX_WARMUP_SECONDS || elapsed >= WARMUP_SECONDS && compiler.settled())) {
                System.err.printf("warm-up: %d runs, %.1f s, JIT %s%n", i + 1, elapsed, compiler.settled() ? "settled" : "still compiling");
                break;
            }
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

    /**
     * The JIT compiler's activity, from its total compilation time, in windows of at least a second: settled once two
     * windows in a row took under {@link #QUIET_COMPILE_MILLIS} ms a second each (at once where the JVM does not report
     * it).
     */
    private static final class Compiler {
        private final CompilationMXBean bean = ManagementFactory.getCompilationMXBean();
        private final boolean reported = bean != null && bean.isCompilationTimeMonitoringSupported();
        private long windowStart = System.nanoTime();
        private long windowCompiled = reported ? bean.getTotalCompilationTime() : 0;
        private int quietWindows;

        /** Closes the current window if a second has passed. */
        void sample() {
            long now = System.nanoTime();
            if (!reported || now - windowStart < 1_000_000_000L) {
                return;
            }
            long compiled = bean.getTotalCompilationTime();
            double perSecond = (compiled - windowCompiled) * 1e9 / (now - windowStart);
            quietWindows = perSecond < QUIET_COMPILE_MILLIS ? quietWindows + 1 : 0;
            windowStart = now;
            windowCompiled = compiled;
        }

        boolean settled() {
            return !reported || quietWindows >= 2;
        }
    }
}
