package org.repro4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {

    @TempDir
    Path dir;

    /** An IDX file of unsigned bytes: header for {@code dims}, then {@code data} as given (possibly the wrong length). */
    static byte[] idx(int[] dims, byte[] data) throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = new DataOutputStream(bytes);
        out.writeInt(0x00000800 | dims.length);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(data);
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        var bytes = new ByteArrayOutputStream();
        try (var out = new GZIPOutputStream(bytes)) {
            out.write(raw);
        }
        return bytes.toByteArray();
    }

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    private static byte[] pixels(int n) {
        byte[] data = new byte[n];
        for (int i = 0; i < n; i++) {
            data[i] = (byte) (i * 37);
        }
        return data;
    }

    @Test
    void readsGzippedAndRawFilesAlike() throws IOException {
        byte[] raw = idx(new int[] {2, 3, 2}, pixels(12));
        var fromRaw = Idx.read(write("a-idx3-ubyte", raw), 3);
        var fromGzip = Idx.read(write("a-idx3-ubyte.gz", gzip(raw)), 3);
        assertArrayEquals(new int[] {2, 3, 2}, fromRaw.dims());
        assertArrayEquals(pixels(12), fromRaw.data());
        assertArrayEquals(fromRaw.data(), fromGzip.data());
    }

    @Test
    void labelledImagesScalesPixelsToUnitRange() throws IOException {
        var images = write("i.gz", gzip(idx(new int[] {2, 1, 2}, new byte[] {0, (byte) 255, (byte) 51, (byte) 204})));
        var labels = write("l.gz", gzip(idx(new int[] {2}, new byte[] {1, 0})));
        var data = Idx.labelledImages("tiny", images, labels, List.of("a", "b"));
        assertArrayEquals(new float[] {0f, 1f}, data.image(0));
        assertArrayEquals(new float[] {0.2f, 0.8f}, data.image(1));
        assertArrayEquals(new int[] {1, 0}, data.labels());
        assertEquals(2, data.width());
    }

    @Test
    void wrongMagicNumberIsNamed() throws IOException {
        byte[] raw = idx(new int[] {1}, new byte[] {0});
        raw[2] = 0x0D;  // float data
        var e = assertThrows(DataFormatException.class, () -> Idx.read(write("labels.gz", gzip(raw)), 1));
        assertEquals("labels.gz: expected an IDX magic number 0x00000801, found 0x00000d01", e.getMessage());
    }

    @Test
    void imagesWhereLabelsWereExpectedAreNamed() throws IOException {
        var e = assertThrows(DataFormatException.class, () -> Idx.read(write("x", idx(new int[] {1, 1, 1}, new byte[] {0})), 1));
        assertEquals("x: expected 1 dimensions, found 3", e.getMessage());
    }

    @Test
    void truncatedDataIsNamedWithBothCounts() throws IOException {
        var e = assertThrows(DataFormatException.class,
                () -> Idx.read(write("t10k-images-idx3-ubyte", idx(new int[] {10, 28, 28}, pixels(123))), 3));
        assertEquals("t10k-images-idx3-ubyte: expected 7840 data bytes for 10x28x28, found 123 (truncated)", e.getMessage());
    }

    @Test
    void trailingBytesAreNamed() throws IOException {
        var e = assertThrows(DataFormatException.class, () -> Idx.read(write("y", idx(new int[] {2}, pixels(5))), 1));
        assertEquals("y: expected 2 data bytes for 2, found 5 (trailing bytes)", e.getMessage());
    }

    @Test
    void truncatedGzipStreamIsNamed() throws IOException {
        byte[] gz = gzip(idx(new int[] {100, 28, 28}, pixels(78400)));
        var e = assertThrows(DataFormatException.class, () -> Idx.read(write("cut.gz", Arrays.copyOf(gz, gz.length / 2)), 3));
        assertEquals(true, e.getMessage().startsWith("cut.gz: "), e.getMessage());
    }

    @Test
    void countMismatchBetweenImagesAndLabelsNamesBothFiles() throws IOException {
        var images = write("imgs", idx(new int[] {3, 1, 1}, pixels(3)));
        var labels = write("lbls", idx(new int[] {2}, new byte[] {0, 1}));
        var e = assertThrows(DataFormatException.class, () -> Idx.labelledImages("d", images, labels, List.of("a", "b")));
        assertEquals("imgs holds 3 images but lbls holds 2 labels; expected the same count", e.getMessage());
    }

    @Test
    void labelOutsideTheClassesIsNamed() throws IOException {
        var images = write("imgs", idx(new int[] {2, 1, 1}, pixels(2)));
        var labels = write("lbls", idx(new int[] {2}, new byte[] {0, 7}));
        var e = assertThrows(DataFormatException.class, () -> Idx.labelledImages("d", images, labels, List.of("a", "b")));
        assertEquals("lbls: label 1 is 7, expected a class in [0, 2)", e.getMessage());
    }
}
