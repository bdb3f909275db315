package org.repro4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MNIST and CIFAR-10 end to end against a local server holding files the test makes. */
class RemoteDatasetsTest {

    @TempDir
    Path dir;

    private String sha(byte[] bytes) throws IOException {
        return Download.sha256(Files.write(Files.createTempFile(dir, "sha", ".bin"), bytes));
    }

    @Test
    void mnistDownloadsVerifiesAndReads() throws IOException {
        try (var server = new LocalServer()) {
            Map<String, String> checksums = new HashMap<>();
            byte[] images = IdxTest.gzip(IdxTest.idx(new int[] {3, 28, 28}, new byte[3 * 784]));
            byte[] labels = IdxTest.gzip(IdxTest.idx(new int[] {3}, new byte[] {7, 2, 9}));
            server.files.put("/mnist/t10k-images-idx3-ubyte.gz", images);
            server.files.put("/mnist/t10k-labels-idx1-ubyte.gz", labels);
            checksums.put("t10k-images-idx3-ubyte.gz", sha(images));
            checksums.put("t10k-labels-idx1-ubyte.gz", sha(labels));
            Path data = dir.resolve("mnist");
            var test = Mnist.load(data, "t10k", List.of(server.url("/mnist/")), checksums);
            assertArrayEquals(new int[] {7, 2, 9}, test.labels());
            assertEquals("MNIST test: 3 images of 1x28x28, 10 classes", test.toString());
            Mnist.load(data, "t10k", List.of(server.url("/mnist/")), checksums);
            assertEquals(2, server.requests.get(), "the second load reads the verified files already in place");
        }
    }

    @Test
    void mnistShipsTheChecksumsOfAllFourFiles() {
        assertEquals(4, Mnist.SHA256.size());
        Mnist.SHA256.values().forEach(sha -> assertTrue(sha.matches("[0-9a-f]{64}"), sha));
    }

    /** A cifar-10-binary.tar.gz whose batches hold {@code perBatch} records with labels i % 10 and pixels i. */
    private static byte[] cifarArchive(int perBatch, List<String> batches) throws IOException {
        var bytes = new ByteArrayOutputStream();
        try (var tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            for (String batch : batches) {
                byte[] records = new byte[perBatch * Cifar10Binary.RECORD_BYTES];
                for (int i = 0; i < perBatch; i++) {
                    records[i * Cifar10Binary.RECORD_BYTES] = (byte) (i % 10);
                    records[i * Cifar10Binary.RECORD_BYTES + 1] = (byte) i;
                }
                var entry = new TarArchiveEntry("cifar-10-batches-bin/" + batch);
                entry.setSize(records.length);
                tar.putArchiveEntry(entry);
                tar.write(records);
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void cifar10DownloadsExtractsAndReadsBothSplits() throws IOException {
        List<String> all = new java.util.ArrayList<>(Cifar10.TRAIN_BATCHES);
        all.addAll(Cifar10.TEST_BATCHES);
        byte[] archive = cifarArchive(4, all);
        try (var server = new LocalServer()) {
            server.files.put("/cifar.tar.gz", archive);
            Path data = dir.resolve("cifar-10");
            var train = Cifar10.load(data, true, server.url("/cifar.tar.gz"), sha(archive));
            var test = Cifar10.load(data, false, server.url("/cifar.tar.gz"), sha(archive));
            assertEquals(20, train.size());
            assertEquals(4, test.size());
            assertArrayEquals(new int[] {0, 1, 2, 3}, test.labels());
            assertEquals(3f / 255f, test.image(3)[0], 1e-7);
            assertEquals(3 * 32 * 32, train.features().columns());
            assertEquals(1, server.requests.get(), "the archive is fetched once for both splits");
        }
    }

    @Test
    void cifar10ArchiveWithoutABatchIsRejected() throws IOException {
        byte[] archive = cifarArchive(1, Cifar10.TRAIN_BATCHES);
        try (var server = new LocalServer()) {
            server.files.put("/c.tar.gz", archive);
            var e = assertThrows(UncheckedIOException.class,
                    () -> Cifar10.load(dir.resolve("c"), false, server.url("/c.tar.gz"), sha(archive)));
            assertEquals("cifar-10-binary.tar.gz: expected the batch files [test_batch.bin], not found in the archive",
                    e.getCause().getMessage());
        }
    }

    @Test
    void cifarBinaryRejectsPartialRecordsAndBadLabels() throws IOException {
        Path partial = Files.write(dir.resolve("data_batch_1.bin"), new byte[Cifar10Binary.RECORD_BYTES + 5]);
        var e = assertThrows(DataFormatException.class, () -> Cifar10Binary.read(partial));
        assertEquals("data_batch_1.bin: expected a positive multiple of 3073 bytes (label + 32x32x3 image per record), found 3078",
                e.getMessage());
        byte[] records = new byte[2 * Cifar10Binary.RECORD_BYTES];
        records[Cifar10Binary.RECORD_BYTES] = 12;
        Path badLabel = Files.write(dir.resolve("test_batch.bin"), records);
        e = assertThrows(DataFormatException.class, () -> Cifar10Binary.read(badLabel));
        assertEquals("test_batch.bin: record 1 has label 12, expected 0..9", e.getMessage());
    }
}
