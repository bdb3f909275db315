package org.repro4j.train;

import java.lang.reflect.Method;
import java.util.function.LongSupplier;
import org.bytedeco.javacpp.Pointer;

/**
 * Keeps the process's resident memory near what ND4J's arrays really use.
 *
 * <p>ND4J frees an array's native buffer only once the garbage collector has collected the small Java
 * object that owns it. A training step or an evaluation leaves megabytes of such buffers behind while
 * the Java heap barely grows, so collections are rare and dead buffers pile up; and glibc keeps the
 * pages it gets back, so the resident size stays at its peak. Measured on notebook 32's ResNet-26
 * (14x14 images, batch 64): 6-8 MB of dead buffers a training step, 50 MB a 500-image evaluation
 * chunk, 1 GB above the live memory after 20 chunks (a collection and {@code malloc_trim} brought
 * 1,251 MB back to 288 MB). Under the kernel's 1.5 GB cap ({@code org.bytedeco.javacpp.maxphysicalbytes})
 * JavaCPP then throws {@link OutOfMemoryError}: with the batch-norm caches each finished net kept
 * (see {@link Nets#forgetLastPass}), that stopped every laptop run of notebook 32 after 14 of its 16 runs.
 *
 * <p>{@link #watch()} starts one daemon thread that reads the resident size every
 * {@value #POLL_MILLIS} ms and, when it has grown by more than {@link #MARGIN_BYTES} since the last
 * collection, runs the garbage collector, gives ND4J's deallocator thread 300 ms, and asks the C allocator
 * to return its free pages ({@code malloc_trim(0)} through JavaCPP; a no-op where that does not exist).
 * Training, evaluation and the results store call it; it costs one collection per
 * {@link #MARGIN_BYTES} of dead buffers.
 */
public final class NativeMemory {

    /** System property: set to {@code false} and {@link #watch()} starts nothing (for comparisons). */
    public static final String PROPERTY = "repro4j.nativeMemory";

    /** Growth of the resident size, in bytes, that triggers a collection: 256 MB. */
    public static final long MARGIN_BYTES = 256L << 20;

    /** How often the watcher reads the resident size. */
    public static final long POLL_MILLIS = 100;

    /** Fewest nanoseconds between two collections, so live growth cannot make the watcher collect back to back. */
    static final long MIN_INTERVAL_NANOS = 1_000_000_000L;

    private static final Method TRIM = trimMethod();

    private static Thread watcher;

    private NativeMemory() {
    }

    /**
     * Starts the watcher thread if it is not running yet (and {@value #PROPERTY} is not {@code false}); safe to
     * call from anywhere, any number of times.
     */
    public static synchronized void watch() {
        if (watcher != null || !Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
            return;
        }
        var policy = new Policy(MARGIN_BYTES, MIN_INTERVAL_NANOS, Pointer::physicalBytes, NativeMemory::collect);
        watcher = new Thread(() -> {
            try {
                while (true) {
                    policy.poll(System.nanoTime());
                    Thread.sleep(POLL_MILLIS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "repro4j-native-memory");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** Whether the watcher thread is running. */
    public static synchronized boolean watching() {
        return watcher != null && watcher.isAlive();
    }

    /** A full collection, 300 ms for ND4J's deallocator thread to free the buffers, then {@code malloc_trim(0)} where it exists. */
    static void collect() {
        System.gc();
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (TRIM != null) {
            try {
                TRIM.invoke(null);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // no allocator to trim: the collection alone still frees the dead buffers for reuse
            }
        }
    }

    private static Method trimMethod() {
        try {
            Method trim = Pointer.class.getDeclaredMethod("trimMemory");
            trim.setAccessible(true);
            return trim;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /**
     * When to collect: the resident size has grown by more than {@code margin} bytes over its value
     * after the last collection (or at the first poll), and {@code minInterval} nanoseconds have
     * passed since that collection.
     */
    static final class Policy {
        private final long margin;
        private final long minInterval;
        private final LongSupplier residentBytes;
        private final Runnable collect;
        private long baseline = -1;
        private long lastCollection;
        private int collections;

        Policy(long margin, long minInterval, LongSupplier residentBytes, Runnable collect) {
            if (margin <= 0) {
                throw new IllegalArgumentException("margin: expected a positive number of bytes, got " + margin);
            }
            if (minInterval < 0) {
                throw new IllegalArgumentException("minInterval: expected at least 0 ns, got " + minInterval);
            }
            this.margin = margin;
            this.minInterval = minInterval;
            this.residentBytes = residentBytes;
            this.collect = collect;
        }

        /** Reads the resident size at time {@code now} (ns) and collects if the policy says so; returns whether it did. */
        boolean poll(long now) {
            long resident = residentBytes.getAsLong();
            if (baseline < 0) {
                baseline = resident;
                lastCollection = now - minInterval;
                return false;
            }
            if (resident - baseline <= margin || now - lastCollection < minInterval) {
                return false;
            }
            collect.run();
            collections++;
            lastCollection = now;
            baseline = residentBytes.getAsLong();
            return true;
        }

        int collections() {
            return collections;
        }

        long baseline() {
            return baseline;
        }
    }
}
