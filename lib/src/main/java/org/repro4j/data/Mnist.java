package org.repro4j.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * MNIST (LeCun, Bottou, Bengio and Haffner 1998): 60,000 training and 10,000 test grey 28x28 images
 * of handwritten digits. Downloaded on first use into {@code <data root>/datasets/mnist/} from the
 * first mirror that answers, each file checked against its SHA-256.
 */
public final class Mnist {

    /** The class names, in label order. */
    public static final List<String> CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /** Folders serving the four original files: LeCun's site, then the copies TensorFlow and PyTorch use. */
    public static final List<URI> MIRRORS = List.of(URI.create("https://yann.lecun.com/exdb/mnist/"),
            URI.create("https://storage.googleapis.com/cvdf-datasets/mnist/"),
            URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"));

    /** SHA-256 of each file (as listed in tensorflow/datasets' url_checksums/mnist.txt). */
    public static final Map<String, String> SHA256 = Map.of(
            "train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6");

    private Mnist() {
    }

    /** The 60,000 training images (downloaded if missing). */
    public static Dataset train() {
        return load(DataRoot.datasets().resolve("mnist"), "train", MIRRORS, SHA256);
    }

    /** The 10,000 test images (downloaded if missing). */
    public static Dataset test() {
        return load(DataRoot.datasets().resolve("mnist"), "t10k", MIRRORS, SHA256);
    }

    /**
     * The {@code train} or {@code t10k} split from {@code dir}, first fetching any of its two files
     * that is missing or corrupt from {@code mirrors}.
     */
    public static Dataset load(Path dir, String split, List<URI> mirrors, Map<String, String> sha256) {
        try {
            Path images = fetch(dir, split + "-images-idx3-ubyte.gz", mirrors, sha256);
            Path labels = fetch(dir, split + "-labels-idx1-ubyte.gz", mirrors, sha256);
            return Idx.labelledImages("MNIST " + (split.equals("t10k") ? "test" : split), images, labels, CLASSES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path fetch(Path dir, String file, List<URI> mirrors, Map<String, String> sha256) throws IOException {
        String expected = sha256.get(file);
        if (expected == null) {
            throw new IllegalArgumentException("no SHA-256 known for " + file + "; known: " + sha256.keySet());
        }
        return Download.fetch(mirrors.stream().map(m -> m.resolve(file)).toList(), dir.resolve(file), expected);
    }
}
