package org.repro4j.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    private static final long SECOND = 1_000_000_000L;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private long now = 0;

    private ProgressBar bar(long total) {
        return new ProgressBar("train", total, out, () -> now, SECOND);
    }

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void drawsTheFractionElapsedTimeEtaAndMetrics() {
        var bar = bar(10);
        now = 12 * SECOND;
        bar.step(4, "loss 0.4310");
        assertEquals("\rtrain [########............] 4/10  40%  0:12<0:18  loss 0.4310", printed());
    }

    @Test
    void stepsWithinTheThrottleIntervalAreNotDrawn() {
        var bar = bar(100);
        bar.step(1, "a");
        now = SECOND / 2;
        bar.step(2, "b");
        assertEquals(1, printed().chars().filter(c -> c == '\r').count());
        now = SECOND + SECOND / 2;
        bar.step(3, "c");
        assertEquals(2, printed().chars().filter(c -> c == '\r').count());
        assertTrue(printed().endsWith("3/100   3%  0:01<0:48  c"), printed());
    }

    @Test
    void finishAlwaysDrawsTheLastStateAndEndsTheLine() {
        var bar = bar(4);
        bar.step(1, "");
        now = SECOND / 10;
        bar.step(4, "");
        bar.finish("done");
        assertTrue(printed().endsWith("\rtrain [####################] 4/4 100%  0:00<0:00  done\n"), printed());
    }

    @Test
    void clockFormatsMinutesAndHours() {
        assertEquals("0:05", ProgressBar.clock(5 * SECOND));
        assertEquals("1:23", ProgressBar.clock(83 * SECOND));
        assertEquals("1:02:03", ProgressBar.clock(3723 * SECOND));
    }

    @Test
    void aBarOfNoStepsIsRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> bar(0));
        assertEquals("total: expected at least 1 step, got 0", e.getMessage());
    }
}
