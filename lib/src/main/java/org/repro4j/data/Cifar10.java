package org.repro4j.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * CIFAR-10 (Krizhevsky 2009): 50,000 training and 10,000 test colour 32x32 images in 10 classes.
 * On first use the binary archive is downloaded into {@code <data root>/datasets/cifar-10/},
 * checked against its SHA-256, and its six batch files are extracted (each written atomically).
 */
public final class Cifar10 {

    /** The class names, in label order. */
    public static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
            "horse", "ship", "truck");

    /** The canonical archive. */
    public static final URI URL = URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz");

    /** SHA-256 of the archive (170,052,171 bytes; tensorflow/datasets' url_checksums/cifar10.txt). */
    public static final String SHA256 = "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd";

    static final String ARCHIVE = "cifar-10-binary.tar.gz";
    static final List<String> TRAIN_BATCHES = List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
            "data_batch_4.bin", "data_batch_5.bin");
    static final List<String> TEST_BATCHES = List.of("test_batch.bin");

    private Cifar10() {
    }

    /** The 50,000 training images (downloaded if missing). */
    public static Dataset train() {
        return load(DataRoot.datasets().resolve("cifar-10"), true, URL, SHA256);
    }

    /** The 10,000 test images (downloaded if missing). */
    public static Dataset test() {
        return load(DataRoot.datasets().resolve("cifar-10"), false, URL, SHA256);
    }

    /** The training or test split from the batch files in {@code dir}, fetched from {@code url} if any is missing. */
    public static Dataset load(Path dir, boolean train, URI url, String sha256) {
        List<String> batches = train ? TRAIN_BATCHES : TEST_BATCHES;
        try {
            if (!batches.stream().allMatch(b -> Files.isRegularFile(dir.resolve(b)))) {
                extract(Download.fetch(List.of(url), dir.resolve(ARCHIVE), sha256), dir);
            }
            List<Cifar10Binary> parts = new ArrayList<>();
            for (String batch : batches) {
                parts.add(Cifar10Binary.read(dir.resolve(batch)));
            }
            int n = parts.stream().mapToInt(part -> part.labels().length).sum();
            byte[] pixels = new byte[n * Cifar10Binary.IMAGE_BYTES];
            int[] labels = new int[n];
            int at = 0;
            for (Cifar10Binary part : parts) {
                System.arraycopy(part.pixels(), 0, pixels, at * Cifar10Binary.IMAGE_BYTES, part.pixels().length);
                System.arraycopy(part.labels(), 0, labels, at, part.labels().length);
                at += part.labels().length;
            }
            return Dataset.ofBytes("CIFAR-10 " + (train ? "train" : "test"), pixels, labels, 3, 32, 32, CLASSES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes every batch file of the archive into {@code dir}, each atomically; throws if one is missing. */
    static void extract(Path archive, Path dir) throws IOException {
        List<String> wanted = new ArrayList<>(TRAIN_BATCHES);
        wanted.addAll(TEST_BATCHES);
        try (var tar = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(archive), 1 << 16))) {
            for (TarArchiveEntry entry; (entry = tar.getNextTarEntry()) != null; ) {
                String name = Path.of(entry.getName()).getFileName().toString();
                if (entry.isFile() && wanted.remove(name)) {
                    AtomicFiles.write(dir.resolve(name), tar::transferTo);
                }
            }
        }
        if (!wanted.isEmpty()) {
            throw new DataFormatException(archive.getFileName() + ": expected the batch files " + wanted + ", not found in the archive");
        }
    }
}
