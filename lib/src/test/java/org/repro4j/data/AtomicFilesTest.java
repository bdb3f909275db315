package org.repro4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @Test
    void aFailureHalfwayLeavesThePreviousFileWhole(@TempDir Path dir) throws IOException {
        Path file = AtomicFiles.writeString(dir.resolve("metrics.csv"), "epoch,loss\n1,0.5\n");
        var e = assertThrows(IOException.class, () -> AtomicFiles.write(file, out -> {
            out.write("epoch,loss\n1,0.5\n2,".getBytes(StandardCharsets.UTF_8));
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("epoch,loss\n1,0.5\n", Files.readString(file));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void writeCreatesMissingFolders(@TempDir Path dir) throws IOException {
        Path file = AtomicFiles.writeString(dir.resolve("a/b/c.json"), "{}");
        assertEquals("{}", Files.readString(file));
    }
}
