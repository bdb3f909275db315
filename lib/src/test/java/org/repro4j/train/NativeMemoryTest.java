package org.repro4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class NativeMemoryTest {

    private static final long MB = 1L << 20;
    private static final long SECOND = 1_000_000_000L;

    /** A resident size the test sets; a "collection" drops it to {@code afterCollection}. */
    private final AtomicLong resident = new AtomicLong(500 * MB);
    private long afterCollection = 300 * MB;

    private NativeMemory.Policy policy() {
        return new NativeMemory.Policy(256 * MB, SECOND, resident::get, () -> resident.set(afterCollection));
    }

    @Test
    void collectsOnlyWhenGrownByMoreThanTheMargin() {
        var policy = policy();
        assertFalse(policy.poll(0));  // the first poll sets the baseline, 500 MB
        resident.set(756 * MB);
        assertFalse(policy.poll(2 * SECOND));  // grown by exactly the margin
        resident.set(757 * MB);
        assertTrue(policy.poll(3 * SECOND));
        assertEquals(1, policy.collections());
        assertEquals(300 * MB, policy.baseline());  // measured after the collection
        assertEquals(300 * MB, resident.get());
    }

    @Test
    void theBaselineFollowsTheSizeAfterEachCollection() {
        var policy = policy();
        policy.poll(0);
        resident.set(900 * MB);
        afterCollection = 700 * MB;  // live memory grew: the next trigger is 700 + 256
        assertTrue(policy.poll(SECOND));
        resident.set(950 * MB);
        assertFalse(policy.poll(3 * SECOND));
        resident.set(957 * MB);
        assertTrue(policy.poll(4 * SECOND));
        assertEquals(2, policy.collections());
    }

    @Test
    void neverCollectsTwiceWithinTheMinimumInterval() {
        var policy = policy();
        policy.poll(0);
        resident.set(2_000 * MB);
        afterCollection = 2_000 * MB;  // nothing to free: live memory is the whole size
        assertTrue(policy.poll(SECOND));
        resident.set(2_300 * MB);
        assertFalse(policy.poll(SECOND + SECOND / 2));
        assertTrue(policy.poll(2 * SECOND));
        assertEquals(2, policy.collections());
    }

    @Test
    void theFirstPollOnlyMeasures() {
        resident.set(5_000 * MB);
        var policy = policy();
        assertFalse(policy.poll(0));
        assertEquals(0, policy.collections());
        assertEquals(5_000 * MB, policy.baseline());
    }

    @Test
    void badSettingsAreRefusedByName() {
        var margin = assertThrows(IllegalArgumentException.class,
                () -> new NativeMemory.Policy(0, SECOND, resident::get, () -> { }));
        assertEquals("margin: expected a positive number of bytes, got 0", margin.getMessage());
        var interval = assertThrows(IllegalArgumentException.class,
                () -> new NativeMemory.Policy(MB, -1, resident::get, () -> { }));
        assertEquals("minInterval: expected at least 0 ns, got -1", interval.getMessage());
    }

    @Test
    void watchStartsOneDaemonThreadOnce() {
        NativeMemory.watch();
        NativeMemory.watch();
        assertTrue(NativeMemory.watching());
        long threads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("repro4j-native-memory")).peek(t -> assertTrue(t.isDaemon())).count();
        assertEquals(1, threads);
    }
}
