package org.repro4j.data;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.HostArrays;
import org.repro4j.HostLoops;

/**
 * Labelled images held in memory: a {@code [n, channels*height*width]} float matrix of pixels in
 * [0, 1] (channel-major within a row) and one class index per row.
 *
 * @param name       what the data is, e.g. "Fashion-MNIST train"
 * @param features   the pixels, float32, one image per row
 * @param labels     the class of each row, in {@code [0, classNames.size())}
 * @param channels   1 (grey) or 3 (RGB)
 * @param height     rows of pixels
 * @param width      columns of pixels
 * @param classNames the name of each class
 */
public record Dataset(String name, INDArray features, int[] labels, int channels, int height, int width,
                      List<String> classNames) {

    public Dataset {
        if (features.rank() != 2 || features.rows() != labels.length) {
            throw new IllegalArgumentException(name + ": expected " + labels.length + " rows of features (one per label), got shape "
                    + Arrays.toString(features.shape()));
        }
        if (features.columns() != (long) channels * height * width) {
            throw new IllegalArgumentException(name + ": expected " + channels * height * width + " feature columns for "
                    + channels + "x" + height + "x" + width + " images, got " + features.columns());
        }
        classNames = List.copyOf(classNames);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException(name + ": label " + i + " is " + labels[i] + ", expected a class in [0, "
                        + classNames.size() + ")");
            }
        }
    }

    /** Images of unsigned bytes (0..255, as read from IDX or CIFAR files) scaled to [0, 1]. */
    public static Dataset ofBytes(String name, byte[] pixels, int[] labels, int channels, int height, int width,
                                  List<String> classNames) {
        int size = channels * height * width;
        if (pixels.length != (long) labels.length * size) {
            throw new IllegalArgumentException(name + ": expected " + (long) labels.length * size + " pixel bytes for "
                    + labels.length + " images of " + size + ", got " + pixels.length);
        }
        return new Dataset(name, scaledPixels(pixels, labels.length, size), labels, channels, height, width, classNames);
    }

    /**
     * The bytes as floats v / 255 in a new [n, size] array. On the CPU in Java loops, a chunk at a time, into memory that
     * ND4J has not zeroed first ({@link HostArrays#unwritten}), split across {@link HostLoops}'s threads (ND4J's copy,
     * two casts and a division took 140 ms for Fashion-MNIST's 47M training pixels; one Java pass into an ND4J array
     * 98 ms, into unwritten memory 86 ms, on two threads 44 ms); elsewhere by those ND4J ops, sent the bytes as signed
     * int8, which the cast to uint8 reads back as 0..255. The same floats either way.
     */
    static INDArray scaledPixels(byte[] pixels, int n, int size) {
        if (pixels.length == 0) {
            return Nd4j.create(DataType.FLOAT, n, size);
        }
        if (!HostArrays.onCpu()) {
            return Nd4j.createFromArray(pixels).castTo(DataType.UBYTE).castTo(DataType.FLOAT).divi(255f).reshape('c', n, size);
        }
        INDArray scaled = HostArrays.unwritten(DataType.FLOAT, n, size);
        FloatBuffer out = HostArrays.floats(scaled);
        HostLoops.split(pixels.length, HostLoops.grain(1), (from, to) -> {
            float[] chunk = new float[Math.min(1 << 14, to - from)];
            for (int start = from; start < to; start += chunk.length) {
                int length = Math.min(chunk.length, to - start);
                for (int i = 0; i < length; i++) {
                    chunk[i] = (pixels[start + i] & 0xFF) / 255f;
                }
                out.put(start, chunk, 0, length);
            }
        });
        return scaled;
    }

    /** Number of examples. */
    public int size() {
        return labels.length;
    }

    /** Number of classes. */
    public int numClasses() {
        return classNames.size();
    }

    /** Labels as one-hot rows, float32 {@code [n, numClasses]} (filled in one bulk copy: {@link HostArrays#floatArray}). */
    public INDArray oneHotLabels() {
        float[] oneHot = new float[labels.length * numClasses()];
        for (int i = 0; i < labels.length; i++) {
            oneHot[i * numClasses() + labels[i]] = 1f;
        }
        return HostArrays.floatArray(oneHot, labels.length, numClasses());
    }

    /**
     * Every image average-pooled over non-overlapping {@code factor} x {@code factor} blocks, channel by
     * channel (Fashion-MNIST's 28x28 becomes 14x14 with factor 2): the same examples and labels at a
     * lower resolution, for convolutional nets that must train on a laptop CPU.
     *
     * @throws IllegalArgumentException if {@code factor} does not divide both the height and the width
     */
    public Dataset pooled(int factor) {
        if (factor < 1 || height % factor != 0 || width % factor != 0) {
            throw new IllegalArgumentException("factor: expected a divisor of both the height " + height + " and the width "
                    + width + ", got " + factor);
        }
        if (factor == 1) {
            return this;
        }
        int h = height / factor, w = width / factor;
        INDArray pooled = features.reshape('c', size(), channels, h, factor, w, factor).mean(3, 5)
                .reshape('c', size(), (long) channels * h * w);
        return new Dataset(name + " (pooled " + factor + "x" + factor + ")", pooled, labels, channels, h, w, classNames);
    }

    /** The first {@code n} examples. */
    public Dataset head(int n) {
        return rows(name, firstN(n));
    }

    /**
     * {@code n} examples drawn without replacement by a generator seeded with {@code seed}, in the
     * order drawn; the same seed gives the same subset.
     */
    public Dataset subset(int n, long seed) {
        check(n);
        if (n == size()) {
            return this;
        }
        return rows(name + " (" + n + " of " + size() + ", seed " + seed + ")", drawn(n, seed));
    }

    /** {@code n} row indices drawn without replacement, in the order drawn (partial Fisher-Yates). */
    private int[] drawn(int n, long seed) {
        int[] order = firstN(size());
        var random = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            int j = i + random.nextInt(size() - i);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return Arrays.copyOf(order, n);
    }

    /**
     * Two disjoint parts: {@code n} examples drawn without replacement by a generator seeded with
     * {@code seed}, and all the others in their original order (a validation set and the training
     * set it was held out of).
     */
    public List<Dataset> split(int n, long seed) {
        check(n);
        if (n == size()) {
            throw new IllegalArgumentException(name + ": expected fewer than " + size() + " examples to hold out, asked for " + n);
        }
        int[] drawn = drawn(n, seed);
        boolean[] taken = new boolean[size()];
        for (int i : drawn) {
            taken[i] = true;
        }
        int[] rest = new int[size() - n];
        for (int i = 0, r = 0; i < size(); i++) {
            if (!taken[i]) {
                rest[r++] = i;
            }
        }
        return List.of(rows(name + " (" + n + " held out, seed " + seed + ")", drawn),
                rows(name + " (" + rest.length + " not held out, seed " + seed + ")", rest));
    }

    /**
     * {@code parts} disjoint subsets of {@code n} examples each, drawn without replacement by a generator
     * seeded with {@code seed}: subset k holds draws k, k + parts, k + 2 parts, ... The protocol of
     * Kadkhodaie et al. 2024 ("Generalization in diffusion models arises from geometry-adaptive harmonic
     * representations", section 2), which trains one model on each of two non-overlapping training sets S1, S2
     * of size N. The draws are those of {@link #subset}, whose order does not depend on how many are drawn, so
     * for one seed the subsets nest: subset k of size n lies inside subset k of any larger size.
     *
     * @throws IllegalArgumentException if {@code parts} is below 1 or {@code n * parts} is not between 1 and the size
     */
    public List<Dataset> disjointSubsets(int n, int parts, long seed) {
        if (parts < 1) {
            throw new IllegalArgumentException("parts: expected at least 1, got " + parts);
        }
        if (n < 1 || (long) n * parts > size()) {
            throw new IllegalArgumentException(name + ": expected " + parts + " disjoint subsets of between 1 and " + size() / parts
                    + " examples, asked for " + n);
        }
        int[] drawn = drawn(n * parts, seed);
        var subsets = new ArrayList<Dataset>();
        for (int k = 0; k < parts; k++) {
            int[] rows = new int[n];
            for (int i = 0; i < n; i++) {
                rows[i] = drawn[k + i * parts];
            }
            subsets.add(rows(name + " (subset " + (k + 1) + " of " + parts + ", " + n + " each, seed " + seed + ")", rows));
        }
        return List.copyOf(subsets);
    }

    /** The pixels of image {@code i}. */
    public float[] image(int i) {
        return features.getRow(i).toFloatVector();
    }

    /**
     * Rows {@code rows} of the matrix {@code m} (repeats allowed), copied into a new C-order [rows.length, columns]
     * matrix. On the CPU, a float or double matrix in C order is copied a row at a time from memory to memory; any
     * other goes through one native op ({@code Nd4j.pullRows}). ND4J's {@code getRows} copies them one view at a
     * time: measured 1.35 ms for 32 rows of 784 floats and 21-26 ms for 512 rows, against 0.05 and 0.2-0.3 ms by
     * {@code pullRows}, and a training step copies a batch of features and one of labels. The row copies took 35
     * and 179 us for 60 and 512 random rows of Fashion-MNIST's 60,000 against {@code pullRows}' 62 and 328.
     *
     * @throws IllegalArgumentException if {@code m} is not a matrix or a row index is outside it
     */
    public static INDArray gatherRows(INDArray m, int[] rows) {
        if (m.rank() != 2) {
            throw new IllegalArgumentException("m: expected a matrix [rows, columns], got shape " + Arrays.toString(m.shape()));
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] < 0 || rows[i] >= m.rows()) {
                throw new IllegalArgumentException("rows[" + i + "]: expected 0 to " + (m.rows() - 1) + ", got " + rows[i]);
            }
        }
        if (rows.length == 0) {
            return Nd4j.create(m.dataType(), 0, m.columns());
        }
        if (!(HostArrays.inCOrder(m) && (m.dataType() == DataType.FLOAT || m.dataType() == DataType.DOUBLE))) {
            return Nd4j.pullRows(m, 1, rows);
        }
        int columns = (int) m.columns();
        INDArray out = Nd4j.createUninitialized(m.dataType(), new long[] {rows.length, columns}, 'c');
        if (m.dataType() == DataType.FLOAT) {
            FloatBuffer from = HostArrays.floats(m), to = HostArrays.floats(out);
            for (int i = 0; i < rows.length; i++) {
                to.put(i * columns, from, rows[i] * columns, columns);
            }
        } else {
            DoubleBuffer from = HostArrays.doubles(m), to = HostArrays.doubles(out);
            for (int i = 0; i < rows.length; i++) {
                to.put(i * columns, from, rows[i] * columns, columns);
            }
        }
        return out;
    }

    private Dataset rows(String newName, int[] rows) {
        int[] newLabels = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            newLabels[i] = labels[rows[i]];
        }
        return new Dataset(newName, gatherRows(features, rows), newLabels, channels, height, width, classNames);
    }

    private int[] firstN(int n) {
        check(n);
        int[] rows = new int[n];
        Arrays.setAll(rows, i -> i);
        return rows;
    }

    private void check(int n) {
        if (n < 1 || n > size()) {
            throw new IllegalArgumentException(name + ": expected between 1 and " + size() + " examples, asked for " + n);
        }
    }

    @Override
    public String toString() {
        return String.format("%s: %d images of %dx%dx%d, %d classes", name, size(), channels, height, width, numClasses());
    }
}
