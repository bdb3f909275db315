package org.repro4j.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf 2017, arXiv:1708.07747): 60,000 training and 10,000 test
 * grey 28x28 images of clothing in 10 classes, in the IDX format of MNIST.
 *
 * <p>The files are read from {@code <data root>/datasets/fashion-mnist/}, else from Debian's
 * {@code /usr/share/datasets/fashion-mnist/} (package {@code dataset-fashion-mnist}).
 */
public final class FashionMnist {

    /** The class names, in label order. */
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Where Debian's {@code dataset-fashion-mnist} puts the files. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    private FashionMnist() {
    }

    /** The 60,000 training images. */
    public static Dataset train() {
        return load(directory(), "train");
    }

    /** The 10,000 test images. */
    public static Dataset test() {
        return load(directory(), "t10k");
    }

    /** The {@code train} or {@code t10k} split read from {@code dir}. */
    public static Dataset load(Path dir, String split) {
        try {
            return Idx.labelledImages("Fashion-MNIST " + (split.equals("t10k") ? "test" : split),
                    dir.resolve(split + "-images-idx3-ubyte.gz"), dir.resolve(split + "-labels-idx1-ubyte.gz"), CLASSES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first folder of the data root's and Debian's that holds the training images. */
    static Path directory() {
        Path local = DataRoot.datasets().resolve("fashion-mnist");
        for (Path dir : List.of(local, DEBIAN_DIR)) {
            if (Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz"))) {
                return dir;
            }
        }
        throw new IllegalStateException("Fashion-MNIST not found in " + local + " or " + DEBIAN_DIR
                + ": install it with `apt-get install dataset-fashion-mnist` (make lab/make test do), "
                + "or set REPRO_DATA to a folder whose datasets/fashion-mnist/ holds the four .gz files");
    }
}
