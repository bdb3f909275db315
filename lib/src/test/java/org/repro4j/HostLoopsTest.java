package org.repro4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class HostLoopsTest {

    @Test
    void threadsAreNd4js() {
        assertEquals(Nd4j.getEnvironment().maxThreads(), HostLoops.threads());
    }

    @Test
    void usingSetsTheThreadsOnThisThreadUntilItReturns() throws InterruptedException {
        int nd4j = HostLoops.threads();
        int[] elsewhere = new int[1];
        HostLoops.using(3, () -> {
            assertEquals(3, HostLoops.threads());
            HostLoops.using(2, () -> assertEquals(2, HostLoops.threads()));
            assertEquals(3, HostLoops.threads(), "restored after a nested use");
            Thread other = new Thread(() -> elsewhere[0] = HostLoops.threads());
            other.start();
            try {
                other.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(nd4j, elsewhere[0], "other threads keep ND4J's");
        assertEquals(nd4j, HostLoops.threads());
        var e = assertThrows(IllegalArgumentException.class, () -> HostLoops.using(0, () -> { }));
        assertEquals("threads: expected at least 1, got 0", e.getMessage());
    }

    @Test
    void theGrainGivesARangeAbout64KValues() {
        assertEquals(65_536, HostLoops.grain(1));
        assertEquals(20, HostLoops.grain(3_136), "a group of 4 channels of 28 x 28");
        assertEquals(1, HostLoops.grain(1 << 20), "one item when an item holds more");
        assertEquals(65_536, HostLoops.grain(0));
    }

    @Test
    void rangesFollowTheThreadsAndTheGrain() {
        HostLoops.using(2, () -> {
            assertEquals(2, HostLoops.ranges(10, 4));
            assertEquals(2, HostLoops.ranges(1_000, 4), "never more than the threads");
            assertEquals(1, HostLoops.ranges(7, 4), "two ranges would leave one with fewer than the grain");
            assertEquals(1, HostLoops.ranges(0, 4));
        });
        HostLoops.using(1, () -> assertEquals(1, HostLoops.ranges(1_000, 4)));
    }

    @Test
    void rangesCoverEveryItemOnceInConsecutiveRunsOfNearlyEqualSize() {
        int count = 11, ranges = 3;
        int[] sizes = new int[ranges];
        for (int r = 0; r < ranges; r++) {
            sizes[r] = HostLoops.start(count, ranges, r + 1) - HostLoops.start(count, ranges, r);
        }
        assertEquals(0, HostLoops.start(count, ranges, 0));
        assertEquals(count, HostLoops.start(count, ranges, ranges));
        assertArrayEquals(new int[] {3, 4, 4}, sizes);
    }

    @Test
    void splitRunsEveryItemOnceTheTwoRangesAtTheSameTime() throws InterruptedException {
        var runs = new AtomicIntegerArray(10);
        var secondStarted = new CountDownLatch(1);
        var firstSawTheSecond = new AtomicBoolean();
        Map<Integer, Thread> threads = new ConcurrentHashMap<>();
        HostLoops.using(2, () -> HostLoops.split(10, 4, (from, to) -> {
            threads.put(from, Thread.currentThread());
            if (from == 0) {
                try {
                    firstSawTheSecond.set(secondStarted.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else {
                secondStarted.countDown();
            }
            for (int i = from; i < to; i++) {
                runs.incrementAndGet(i);
            }
        }));
        for (int i = 0; i < 10; i++) {
            assertEquals(1, runs.get(i), "item " + i);
        }
        assertTrue(firstSawTheSecond.get(), "the second range started while the first ran");
        assertEquals(Thread.currentThread(), threads.get(0), "the first range runs on the calling thread");
        assertEquals(2, threads.size(), threads.toString());
    }

    @Test
    void aFailureIsThrownOnceEveryRangeIsDone() {
        var finished = new AtomicIntegerArray(1);
        var e = assertThrows(IllegalStateException.class, () -> HostLoops.using(2, () -> HostLoops.split(10, 4, (from, to) -> {
            if (from == 0) {
                throw new IllegalStateException("first range failed");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            finished.set(0, 1);
        })));
        assertEquals("first range failed", e.getMessage());
        assertEquals(1, finished.get(0), "the second range ran to its end before split returned");
    }

    @Test
    void badCountsGrainsAndThreadsAreRefused() {
        var count = assertThrows(IllegalArgumentException.class, () -> HostLoops.split(-1, 4, (from, to) -> { }));
        assertEquals("count: expected at least 0, got -1", count.getMessage());
        var grain = assertThrows(IllegalArgumentException.class, () -> HostLoops.ranges(10, 0));
        assertEquals("grain: expected at least 1, got 0", grain.getMessage());
        var threads = assertThrows(IllegalArgumentException.class, () -> HostLoops.using(0, () -> { }));
        assertEquals("threads: expected at least 1, got 0", threads.getMessage());
    }
}
