package org.repro4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EnvironmentTest {

    @Test
    void reportNamesBackendThreadsMemoryDataAndScale() {
        String report = Environment.report();
        assertTrue(report.matches("ND4J CPU backend \\(\\w+\\), \\d+ threads? of \\d+ cores \\| heap [0-9.]+ [MG]B \\| "
                + "off-heap [0-9.]+ [MG]B, process cap [0-9.]+ [MG]B \\| data /.+ \\| scale (smoke|laptop|paper)"), report);
    }

    @Test
    void sizesReadAsMegabytesOrGigabytes() {
        assertEquals("512 MB", Environment.size(512L << 20));
        assertEquals("1.5 GB", Environment.size(1536L << 20));
    }
}
