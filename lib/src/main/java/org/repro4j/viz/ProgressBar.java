package org.repro4j.viz;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A text progress bar for long loops that redraws one line in place with a carriage return,
 * which Jupyter's stream output (and a terminal) renders in place:
 *
 * <pre>train [#####...............] 25/100  25%  0:10&lt;0:30  loss 0.431 acc 0.872</pre>
 *
 * <p>It redraws at most once per interval (default one second), plus always the first and the
 * final state, so a notebook's saved output stays small however many steps the loop has. The
 * time before {@code <} is the elapsed time, after it the estimated time left, as {@code m:ss} or
 * {@code h:mm:ss}. Not thread-safe: call it from the loop's thread.
 */
public final class ProgressBar {

    /** Default minimum time between two redraws, in milliseconds. */
    public static final long DEFAULT_INTERVAL_MILLIS = 1000;
    /** Characters between the brackets. */
    static final int BAR_WIDTH = 20;

    private final String label;
    private final long total;
    private final PrintStream out;
    private final LongSupplier nanoTime;
    private final long intervalNanos;
    private final long startNanos;
    private long done;
    private boolean drawn;
    private long lastDrawNanos;
    private int lastLength;

    /**
     * A bar that redraws at most once a second, timed by {@link System#nanoTime()}.
     *
     * @param label what is progressing, e.g. "train" or "round 3"
     * @param total number of steps at completion, e.g. iterations or batches
     * @param out where to draw, usually {@code System.out}
     */
    public ProgressBar(String label, long total, PrintStream out) {
        this(label, total, out, System::nanoTime, DEFAULT_INTERVAL_MILLIS);
    }

    /**
     * A bar with its own clock and redraw interval.
     *
     * @param nanoTime monotonic clock in nanoseconds (a fake one in tests)
     * @param intervalMillis minimum time between two redraws in milliseconds; 0 redraws every step
     * @throws IllegalArgumentException if {@code total <= 0} or {@code intervalMillis < 0}
     */
    public ProgressBar(String label, long total, PrintStream out, LongSupplier nanoTime, long intervalMillis) {
        if (total <= 0) {
            throw new IllegalArgumentException("total must be > 0, got " + total);
        }
        if (intervalMillis < 0) {
            throw new IllegalArgumentException("intervalMillis must be >= 0, got " + intervalMillis);
        }
        this.label = Objects.requireNonNull(label, "label");
        this.total = total;
        this.out = Objects.requireNonNull(out, "out");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        this.startNanos = nanoTime.getAsLong();
    }

    /** A bar that draws nothing, for tests and sweeps that pass a bar to a training loop. */
    public static ProgressBar silent() {
        return new ProgressBar("", 1, new PrintStream(OutputStream.nullOutputStream()));
    }

    /**
     * Records that {@code done} of the total steps are complete and redraws if this is the first
     * or the final step or the interval has passed. A {@code done} beyond {@code [0, total]}
     * is shown as it is, with the bar clamped, rather than stopping the loop.
     *
     * @param metrics current metrics, e.g. "loss 0.431 acc 0.872", or null
     */
    public void step(long done, String metrics) {
        this.done = done;
        long now = nanoTime.getAsLong();
        if (!drawn || done >= total || now - lastDrawNanos >= intervalNanos) {
            draw("\r" + line(now, metrics, false));
            drawn = true;
            lastDrawNanos = now;
        }
    }

    /**
     * Redraws the last state with the total elapsed time and {@code summary} in place of the
     * metrics, then ends the line.
     *
     * @param summary e.g. "test acc 0.912", or null
     */
    public void finish(String summary) {
        draw("\r" + line(nanoTime.getAsLong(), summary, true));
        out.print('\n');
        out.flush();
    }

    private String line(long now, String metrics, boolean finished) {
        double fraction = Math.min(1, Math.max(0, (double) done / total));
        int filled = (int) (fraction * BAR_WIDTH);
        long elapsed = now - startNanos;
        String time = finished ? clock(elapsed) : clock(elapsed) + "<" + eta(elapsed);
        String bar = "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled);
        String line = String.format(Locale.ROOT, "%s [%s] %d/%d %3d%%  %s", label, bar, done, total,
                (int) (fraction * 100), time);
        return metrics == null || metrics.isEmpty() ? line : line + "  " + metrics;
    }

    private String eta(long elapsed) {
        if (done <= 0) {
            return "?";
        }
        return clock(done >= total ? 0 : (long) ((double) elapsed * (total - done) / done));
    }

    /** {@code m:ss} below an hour, {@code h:mm:ss} from an hour on. */
    static String clock(long nanos) {
        long s = TimeUnit.NANOSECONDS.toSeconds(nanos);
        return s < 3600
                ? String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    /** Prints {@code text}, padded with spaces to erase what a longer previous line left. */
    private void draw(String text) {
        out.print(text + " ".repeat(Math.max(0, lastLength - text.length())));
        out.flush();
        lastLength = text.length();
    }
}
