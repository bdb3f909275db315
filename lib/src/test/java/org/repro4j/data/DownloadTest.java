package org.repro4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DownloadTest {

    private static final byte[] CONTENT = "the bytes of a dataset".getBytes(StandardCharsets.UTF_8);
    // printf 'the bytes of a dataset' | sha256sum
    private static final String SHA = "7d39f5ec0d1fbc91a96d0a706e8bf2b3fd2afa6486a57c7b4ce06243615b6aab";

    @TempDir
    Path dir;

    private static String sha(byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile("sha", ".bin");
        try {
            return Download.sha256(Files.write(tmp, bytes));
        } finally {
            Files.delete(tmp);
        }
    }

    private long filesIn(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return files.count();
        }
    }

    @Test
    void goodFileLandsWithItsBytes() throws IOException {
        try (var server = new LocalServer()) {
            server.files.put("/a.gz", CONTENT);
            Path target = Download.fetch(List.of(server.url("/a.gz")), dir.resolve("a.gz"), sha(CONTENT));
            assertArrayEquals(CONTENT, Files.readAllBytes(target));
            assertEquals(1, filesIn(dir));
        }
    }

    @Test
    void corruptFileIsRejectedNamingBothChecksumsAndLeavesNothing() throws IOException {
        try (var server = new LocalServer()) {
            server.files.put("/a.gz", "tampered".getBytes(StandardCharsets.UTF_8));
            var e = assertThrows(IOException.class,
                    () -> Download.fetch(List.of(server.url("/a.gz")), dir.resolve("a.gz"), sha(CONTENT)));
            assertTrue(e.getMessage().contains("SHA-256 expected " + sha(CONTENT) + ", found " + sha("tampered".getBytes(StandardCharsets.UTF_8))),
                    e.getMessage());
            assertTrue(e.getMessage().contains(server.url("/a.gz").toString()), e.getMessage());
            assertEquals(0, filesIn(dir), "neither the target nor a .part file remains");
        }
    }

    @Test
    void missingFileNamesTheHttpStatus() throws IOException {
        try (var server = new LocalServer()) {
            var e = assertThrows(IOException.class,
                    () -> Download.fetch(List.of(server.url("/nope.gz")), dir.resolve("nope.gz"), sha(CONTENT)));
            assertEquals("could not download nope.gz; " + server.url("/nope.gz") + ": HTTP status 404, expected 200", e.getMessage());
            assertFalse(Files.exists(dir.resolve("nope.gz")));
        }
    }

    @Test
    void failingMirrorFallsBackToTheNext() throws IOException {
        try (var server = new LocalServer()) {
            server.status.put("/first/a.gz", 500);
            server.files.put("/second/a.gz", CONTENT);
            Path target = Download.fetch(List.of(server.url("/first/a.gz"), server.url("/second/a.gz")), dir.resolve("a.gz"), sha(CONTENT));
            assertArrayEquals(CONTENT, Files.readAllBytes(target));
            assertEquals(2, server.requests.get());
        }
    }

    @Test
    void aGoodFileAlreadyInPlaceIsNotDownloadedAgain() throws IOException {
        try (var server = new LocalServer()) {
            server.files.put("/a.gz", CONTENT);
            Files.write(dir.resolve("a.gz"), CONTENT);
            Download.fetch(List.of(server.url("/a.gz")), dir.resolve("a.gz"), sha(CONTENT));
            assertEquals(0, server.requests.get());
        }
    }

    @Test
    void aCorruptFileInPlaceIsReplaced() throws IOException {
        try (var server = new LocalServer()) {
            server.files.put("/a.gz", CONTENT);
            Files.writeString(dir.resolve("a.gz"), "half a downl");
            Download.fetch(List.of(server.url("/a.gz")), dir.resolve("a.gz"), sha(CONTENT));
            assertArrayEquals(CONTENT, Files.readAllBytes(dir.resolve("a.gz")));
        }
    }

    @Test
    void sha256MatchesCoreutils() throws IOException {
        assertEquals(SHA, sha(CONTENT));
    }
}
