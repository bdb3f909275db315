package org.repro4j.experiment;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.repro4j.train.TrainingInterruptedException;

/**
 * Runs independent jobs (the seeds of an experiment, the points of a sweep) on several threads
 * and returns their results in input order. The notebooks' kernel runs ND4J with one OpenMP thread
 * an operation, measured fastest for the small networks they train, so two jobs keep both cores of
 * a 2-core laptop busy. Each job must own its network and results folder, as every run in the
 * {@link ResultsStore} does; a run's numbers do not depend on which thread trained it.
 *
 * <p>Interrupting the calling thread (a notebook's "interrupt kernel") interrupts every job, which
 * stops within one iteration; the first job to fail cancels the others and its exception is thrown.
 */
public final class Parallel {

    private static final ThreadLocal<Integer> WORKER = ThreadLocal.withInitial(() -> 0);
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private Parallel() {
    }

    /** Threads a notebook should use: the available processors. */
    public static int threads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Where a job draws its progress: standard output for the first worker (and for code outside
     * {@link #map}), nowhere for the others, so that bars drawn in place do not overwrite each other.
     */
    public static PrintStream progress() {
        return WORKER.get() == 0 ? System.out : QUIET;
    }

    /**
     * {@code job} applied to every item on {@code threads} threads (1 runs them in order on this one).
     *
     * @throws IllegalArgumentException if {@code threads} is below 1
     */
    public static <T, R> List<R> map(List<T> items, int threads, Function<T, R> job) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: expected at least 1, got " + threads);
        }
        if (threads == 1 || items.size() <= 1) {
            return items.stream().map(job).toList();
        }
        var next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, items.size()), runnable -> {
            int index = next.getAndIncrement();
            Thread thread = new Thread(() -> {
                WORKER.set(index);
                runnable.run();
            }, "repro4j-worker-" + index);
            thread.setDaemon(true);
            return thread;
        });
        try {
            var futures = new ArrayList<Future<R>>();
            for (T item : items) {
                futures.add(pool.submit(() -> job.apply(item)));
            }
            var results = new ArrayList<R>();
            for (Future<R> future : futures) {
                results.add(future.get());
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TrainingInterruptedException("interrupted while running " + items.size() + " jobs on " + threads
                    + " threads; finished runs are kept");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
