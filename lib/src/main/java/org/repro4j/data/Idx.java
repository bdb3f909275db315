package org.repro4j.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * A strict reader of IDX files, the format of MNIST and Fashion-MNIST (LeCun et al., "The MNIST
 * database", yann.lecun.com/exdb/mnist): two zero bytes, a type byte ({@code 0x08} = unsigned
 * byte, the only type these datasets use), the number of dimensions, each dimension as a
 * big-endian int32, then the data. Gzipped files are recognised by their first two bytes.
 *
 * <p>Every defect throws a {@link DataFormatException} naming the file, the expected and the actual
 * value; nothing partial is returned.
 *
 * @param dims the dimensions, e.g. {@code [60000, 28, 28]}
 * @param data the values, unsigned bytes in row-major order
 */
public record Idx(int[] dims, byte[] data) {

    private static final int UNSIGNED_BYTE = 0x08;

    /** Reads an IDX file of unsigned bytes with {@code expectedDims} dimensions (3 for images, 1 for labels). */
    public static Idx read(Path file, int expectedDims) throws IOException {
        String name = file.getFileName().toString();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file));
             DataInputStream in = new DataInputStream(gunzipIfNeeded(raw))) {
            int magic = readInt(in, name, "header");
            if ((magic >>> 16) != 0 || (magic >>> 8 & 0xFF) != UNSIGNED_BYTE) {
                throw new DataFormatException(String.format("%s: expected an IDX magic number 0x000008%02x, found 0x%08x",
                        name, expectedDims, magic));
            }
            int ndims = magic & 0xFF;
            if (ndims != expectedDims) {
                throw new DataFormatException(name + ": expected " + expectedDims + " dimensions, found " + ndims);
            }
            int[] dims = new int[ndims];
            long count = 1;
            for (int i = 0; i < ndims; i++) {
                dims[i] = readInt(in, name, "dimension " + i);
                if (dims[i] < 0) {
                    throw new DataFormatException(name + ": expected a non-negative size of dimension " + i + ", found " + dims[i]);
                }
                count *= dims[i];
            }
            if (count > Integer.MAX_VALUE - 8) {
                throw new DataFormatException(name + ": " + count + " values are more than one array holds");
            }
            byte[] data = new byte[(int) count];
            int read = in.readNBytes(data, 0, data.length);
            String shape = Arrays.stream(dims).mapToObj(Integer::toString).reduce((a, b) -> a + "x" + b).orElse("");
            if (read < count) {
                throw new DataFormatException(name + ": expected " + count + " data bytes for " + shape + ", found " + read + " (truncated)");
            }
            long trailing = in.transferTo(OutputStream.nullOutputStream());
            if (trailing > 0) {
                throw new DataFormatException(name + ": expected " + count + " data bytes for " + shape + ", found "
                        + (count + trailing) + " (trailing bytes)");
            }
            return new Idx(dims, data);
        } catch (EOFException | ZipException e) {
            throw new DataFormatException(name + ": the file ends early or is not valid gzip (" + e.getMessage() + ")");
        }
    }

    /**
     * Reads an images file ({@code [n, height, width]}) and its labels file ({@code [n]}) into a
     * dataset; the counts must match and every label must name one of {@code classes}.
     */
    public static Dataset labelledImages(String name, Path imagesFile, Path labelsFile, List<String> classes) throws IOException {
        Idx images = read(imagesFile, 3), labels = read(labelsFile, 1);
        if (images.dims[0] != labels.dims[0]) {
            throw new DataFormatException(imagesFile.getFileName() + " holds " + images.dims[0] + " images but "
                    + labelsFile.getFileName() + " holds " + labels.dims[0] + " labels; expected the same count");
        }
        int[] classOf = new int[labels.dims[0]];
        for (int i = 0; i < classOf.length; i++) {
            classOf[i] = labels.data[i] & 0xFF;
            if (classOf[i] >= classes.size()) {
                throw new DataFormatException(labelsFile.getFileName() + ": label " + i + " is " + classOf[i]
                        + ", expected a class in [0, " + classes.size() + ")");
            }
        }
        return Dataset.ofBytes(name, images.data, classOf, 1, images.dims[1], images.dims[2], classes);
    }

    private static InputStream gunzipIfNeeded(InputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read(), b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }

    private static int readInt(DataInputStream in, String name, String what) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new DataFormatException(name + ": expected 4 bytes of " + what + ", found the end of the file");
        }
    }
}
