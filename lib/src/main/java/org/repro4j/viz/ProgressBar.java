package org.repro4j.viz;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * A text progress bar that redraws itself in place with a carriage return, which terminals and
 * Jupyter's stream output both render as an update of the same line:
 * {@code train [########..........] 4000/10000  40%  0:12<0:18  epoch 1  loss 0.4310}.
 *
 * <p>Redraws are throttled (at most one a second by default) so a notebook's saved output stays
 * small; the first step and {@link #finish} are always drawn.
 */
public final class ProgressBar {

    private static final int WIDTH = 20;

    private final String label;
    private final long total;
    private final PrintStream out;
    private final LongSupplier nanoTime;
    private final long minNanosBetweenDraws;
    private final long start;
    private long lastDraw = Long.MIN_VALUE;
    private long done;
    private String metrics = "";

    /** A bar for {@code total} steps drawn on {@code out} at most once a second. */
    public ProgressBar(String label, long total, PrintStream out) {
        this(label, total, out, System::nanoTime, 1_000_000_000L);
    }

    /**
     * @param nanoTime             the clock, in nanoseconds
     * @param minNanosBetweenDraws throttle: steps closer than this to the last draw are not drawn
     */
    public ProgressBar(String label, long total, PrintStream out, LongSupplier nanoTime, long minNanosBetweenDraws) {
        if (total < 1) {
            throw new IllegalArgumentException("total: expected at least 1 step, got " + total);
        }
        this.label = label;
        this.total = total;
        this.out = out;
        this.nanoTime = nanoTime;
        this.minNanosBetweenDraws = minNanosBetweenDraws;
        this.start = nanoTime.getAsLong();
    }

    /** Records that {@code done} of the steps are finished, with the current metrics (may be empty). */
    public void step(long done, String metrics) {
        this.done = done;
        this.metrics = metrics;
        long now = nanoTime.getAsLong();
        if (lastDraw == Long.MIN_VALUE || now - lastDraw >= minNanosBetweenDraws) {
            lastDraw = now;
            out.print("\r" + line(now));
            out.flush();
        }
    }

    /** Draws the final state followed by {@code summary} and ends the line. */
    public void finish(String summary) {
        this.metrics = summary;
        out.print("\r" + line(nanoTime.getAsLong()) + "\n");
        out.flush();
    }

    /** The bar as drawn at time {@code now} (without the carriage return). */
    String line(long now) {
        long elapsed = now - start;
        int filled = (int) (WIDTH * Math.min(done, total) / total);
        String eta = done == 0 ? "?" : clock((long) ((double) elapsed * (total - done) / done));
        return String.format("%s [%s%s] %d/%d %3d%%  %s<%s  %s", label, "#".repeat(filled), ".".repeat(WIDTH - filled),
                done, total, 100 * done / total, clock(elapsed), eta, metrics).stripTrailing();
    }

    /** Formats nanoseconds as m:ss or h:mm:ss. */
    static String clock(long nanos) {
        long seconds = Math.max(0, nanos / 1_000_000_000L);
        long h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
        return h > 0 ? String.format("%d:%02d:%02d", h, m, s) : String.format("%d:%02d", m, s);
    }
}
