package org.repro4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

class OneDnnTest {

    @Test
    void scratchOperandsStepInWholeCacheLines() {
        assertEquals(0, OneDnn.Context.aligned(0));
        assertEquals(64, OneDnn.Context.aligned(1));
        assertEquals(64, OneDnn.Context.aligned(64));
        assertEquals(128, OneDnn.Context.aligned(65));
    }

    @Test
    void everyCallsScratchStartsAtTheSameAlignedAddressUntilItMustGrow() {
        assumeTrue(OneDnn.available(), "oneDNN's natives do not load here");
        OneDnn.Context context = OneDnn.context();
        context.reserve(1 << 20);
        long start = context.scratch(0).address() + context.scratch(0).position();
        assertEquals(0, start % 64);
        assertEquals(start + 4096, context.scratch(4096).address() + context.scratch(4096).position());
        context.reserve(1000);
        assertEquals(start, context.scratch(0).address() + context.scratch(0).position(), "a smaller call keeps the memory");
        context.reserve(64L << 20);
        assertEquals(0, (context.scratch(0).address() + context.scratch(0).position()) % 64, "grown, still aligned");
    }
}
