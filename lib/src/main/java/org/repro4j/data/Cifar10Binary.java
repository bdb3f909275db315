package org.repro4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A strict reader of the CIFAR-10 binary format (Krizhevsky 2009, "Learning Multiple Layers of
 * Features from Tiny Images", www.cs.toronto.edu/~kriz/cifar.html): records of one label byte
 * (0..9) followed by 3,072 pixel bytes, the 32x32 red, green and blue planes in that order.
 *
 * @param pixels the pixel bytes of all records, channel-major per image
 * @param labels the label of each record
 */
public record Cifar10Binary(byte[] pixels, int[] labels) {

    /** Bytes of one image. */
    public static final int IMAGE_BYTES = 3 * 32 * 32;
    /** Bytes of one record: the label, then the image. */
    public static final int RECORD_BYTES = 1 + IMAGE_BYTES;

    /** Reads every record of {@code file}; throws naming the file on any defect. */
    public static Cifar10Binary read(Path file) throws IOException {
        String name = file.getFileName().toString();
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length == 0 || bytes.length % RECORD_BYTES != 0) {
            throw new DataFormatException(name + ": expected a positive multiple of " + RECORD_BYTES
                    + " bytes (label + 32x32x3 image per record), found " + bytes.length);
        }
        int n = bytes.length / RECORD_BYTES;
        byte[] pixels = new byte[n * IMAGE_BYTES];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = bytes[i * RECORD_BYTES] & 0xFF;
            if (labels[i] > 9) {
                throw new DataFormatException(name + ": record " + i + " has label " + labels[i] + ", expected 0..9");
            }
            System.arraycopy(bytes, i * RECORD_BYTES + 1, pixels, i * IMAGE_BYTES, IMAGE_BYTES);
        }
        return new Cifar10Binary(pixels, labels);
    }
}
