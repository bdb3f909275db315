package org.repro4j.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private ProgressBar bar(long total) {
        return new ProgressBar("train", total, out, now::get, 1000);
    }

    private void advanceMillis(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private long redraws() {
        return output().chars().filter(c -> c == '\r').count();
    }

    @Test
    void lineShowsBarCountPercentElapsedEtaAndMetrics() {
        ProgressBar bar = bar(100);
        advanceMillis(10_000);
        bar.step(25, "loss 0.431 acc 0.872");
        assertEquals("\rtrain [#####...............] 25/100  25%  0:10<0:30  loss 0.431 acc 0.872", output());
    }

    @Test
    void etaIsUnknownBeforeTheFirstStepCompletes() {
        bar(100).step(0, null);
        assertEquals("\rtrain [....................] 0/100   0%  0:00<?", output());
    }

    @Test
    void twoStepsWithinTheIntervalDrawOnce() {
        ProgressBar bar = bar(100);
        bar.step(1, null);
        advanceMillis(999);
        bar.step(2, null);
        assertEquals(1, redraws());
    }

    @Test
    void aStepAfterTheIntervalRedraws() {
        ProgressBar bar = bar(100);
        bar.step(1, null);
        advanceMillis(1000);
        bar.step(2, null);
        assertEquals(2, redraws());
    }

    @Test
    void theFinalStepAlwaysDraws() {
        ProgressBar bar = bar(3);
        bar.step(1, null);
        bar.step(2, null);
        bar.step(3, null);
        assertEquals(2, redraws());
        assertEquals("\rtrain [####################] 3/3 100%  0:00<0:00", output().substring(output().lastIndexOf('\r')));
    }

    @Test
    void shorterLineIsPaddedToEraseTheLongerOne() {
        ProgressBar bar = new ProgressBar("x", 10, out, now::get, 0);
        bar.step(1, "loss 12.5");
        bar.step(2, "loss 1");
        String last = output().substring(output().lastIndexOf('\r'));
        assertEquals("\rx [####................] 2/10  20%  0:00<0:00  loss 1   ", last);
    }

    @Test
    void finishShowsElapsedAndSummaryAndEndsTheLine() {
        ProgressBar bar = bar(100);
        bar.step(100, "loss 0.1");
        advanceMillis(65_000);
        bar.finish("test acc 0.912");
        String last = output().substring(output().lastIndexOf('\r'));
        assertEquals("\rtrain [####################] 100/100 100%  1:05  test acc 0.912\n", last);
    }

    @Test
    void finishAfterAnEarlyStopKeepsTheLastCount() {
        ProgressBar bar = bar(10);
        bar.step(4, null);
        bar.finish(null);
        // Five spaces erase the "<0:00" of the running line.
        assertEquals("\rtrain [########............] 4/10  40%  0:00     \n", output().substring(output().lastIndexOf('\r')));
    }

    @Test
    void etaAboveAnHourShowsHours() {
        ProgressBar bar = bar(1000);
        advanceMillis(10_000);
        bar.step(1, null);
        assertEquals("\rtrain [....................] 1/1000   0%  0:10<2:46:30", output());
    }

    @Test
    void clockFormatsMinutesAndHours() {
        assertEquals("1:23", ProgressBar.clock(TimeUnit.SECONDS.toNanos(83)));
        assertEquals("1:02:03", ProgressBar.clock(TimeUnit.SECONDS.toNanos(3723)));
    }

    @Test
    void doneBeyondTotalClampsTheBarButShowsTheCount() {
        bar(10).step(12, null);
        assertEquals("\rtrain [####################] 12/10 100%  0:00<0:00", output());
    }

    @Test
    void silentBarAcceptsStepsAndFinish() {
        ProgressBar bar = ProgressBar.silent();
        bar.step(1, "loss 1");
        bar.finish("done");
        assertEquals("", output());
    }

    @Test
    void rejectsNonPositiveTotal() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ProgressBar("train", 0, out));
        assertEquals("total must be > 0, got 0", e.getMessage());
    }
}
