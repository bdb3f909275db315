package org.repro4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.repro4j.HostLoops;

class DatasetTest {

    @Test
    void gatherRowsCopiesTheNamedRowsInOrderWithRepeats() {
        var m = Nd4j.create(new float[][] {{0, 1, 2}, {10, 11, 12}, {20, 21, 22}, {30, 31, 32}});
        var rows = Dataset.gatherRows(m, new int[] {3, 0, 3});
        assertArrayEquals(new float[][] {{30, 31, 32}, {0, 1, 2}, {30, 31, 32}}, rows.toFloatMatrix());
        rows.putScalar(0, 0, -1);
        assertEquals(30, m.getFloat(3, 0), 0.0);  // a copy, not a view
        assertArrayEquals(new long[] {0, 3}, Dataset.gatherRows(m, new int[0]).shape());
    }

    @Test
    void gatherRowsGivesPullRowsBitsForEveryTypeAndOrder() {
        int[] rows = {4, 0, 4, 2, 1};
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.HALF}) {
            for (char order : new char[] {'c', 'f'}) {
                INDArray m = Nd4j.rand(DataType.DOUBLE, 5, 7).subi(0.5).muli(1e6).castTo(type).dup(order);
                INDArray expected = Nd4j.pullRows(m, 1, rows);
                INDArray got = Dataset.gatherRows(m, rows);
                assertEquals(type, got.dataType(), type + " " + order);
                assertEquals('c', got.ordering(), type + " " + order);
                assertArrayEquals(expected.castTo(DataType.DOUBLE).toDoubleMatrix(), got.castTo(DataType.DOUBLE).toDoubleMatrix(), type + " " + order);
            }
        }
        INDArray view = Nd4j.arange(30).castTo(DataType.FLOAT).reshape(6, 5).get(NDArrayIndex.interval(1, 5), NDArrayIndex.all());
        assertArrayEquals(new float[][] {{15, 16, 17, 18, 19}, {5, 6, 7, 8, 9}}, Dataset.gatherRows(view, new int[] {2, 0}).toFloatMatrix());
    }

    @Test
    void gatherRowsRefusesIndicesOutsideTheMatrixAndNonMatrices() {
        var m = Nd4j.zeros(4, 3);
        var high = assertThrows(IllegalArgumentException.class, () -> Dataset.gatherRows(m, new int[] {1, 4}));
        assertEquals("rows[1]: expected 0 to 3, got 4", high.getMessage());
        var low = assertThrows(IllegalArgumentException.class, () -> Dataset.gatherRows(m, new int[] {-1}));
        assertEquals("rows[0]: expected 0 to 3, got -1", low.getMessage());
        var vector = assertThrows(IllegalArgumentException.class, () -> Dataset.gatherRows(Nd4j.zeros(5), new int[] {0}));
        assertEquals("m: expected a matrix [rows, columns], got shape [5]", vector.getMessage());
    }

    /** Ten 1x1x2 images whose pixels are (i/10, i/10) and labels i % 3. */
    private static Dataset ten() {
        byte[] pixels = new byte[20];
        int[] labels = new int[10];
        for (int i = 0; i < 10; i++) {
            pixels[2 * i] = pixels[2 * i + 1] = (byte) (i * 25.5);
            labels[i] = i % 3;
        }
        return Dataset.ofBytes("ten", pixels, labels, 1, 1, 2, List.of("a", "b", "c"));
    }

    @Test
    void oneHotHasASingleOneInTheLabelsColumn() {
        var oneHot = ten().oneHotLabels();
        assertArrayEquals(new long[] {10, 3}, oneHot.shape());
        assertArrayEquals(new float[] {0, 1, 0}, oneHot.getRow(4).toFloatVector());
        assertEquals(10.0, oneHot.sumNumber().doubleValue());
    }

    @Test
    void subsetIsDeterministicPerSeedAndKeepsPixelsWithTheirLabels() {
        var a = ten().subset(4, 1);
        assertArrayEquals(a.labels(), ten().subset(4, 1).labels());
        assertNotEquals(Arrays.toString(a.features().toFloatMatrix()[0]) + Arrays.toString(a.labels()),
                Arrays.toString(ten().subset(4, 2).features().toFloatMatrix()[0]) + Arrays.toString(ten().subset(4, 2).labels()));
        for (int i = 0; i < 4; i++) {
            int original = Math.round(a.image(i)[0] * 10);
            assertEquals(original % 3, a.labels()[i]);
        }
    }

    @Test
    void subsetLargerThanTheDataIsRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> ten().subset(11, 1));
        assertEquals("ten: expected between 1 and 10 examples, asked for 11", e.getMessage());
    }

    @Test
    void splitGivesTwoDisjointPartsCoveringEverythingOnce() {
        var parts = ten().split(3, 7);
        assertEquals(3, parts.get(0).size());
        assertEquals(7, parts.get(1).size());
        var seen = new java.util.TreeSet<Float>();
        for (var part : parts) {
            for (int i = 0; i < part.size(); i++) {
                seen.add(part.image(i)[0]);
            }
        }
        assertEquals(10, seen.size());
        assertArrayEquals(ten().subset(3, 7).labels(), parts.get(0).labels());
        var e = assertThrows(IllegalArgumentException.class, () -> ten().split(10, 1));
        assertEquals("ten: expected fewer than 10 examples to hold out, asked for 10", e.getMessage());
    }

    /** The first pixel of every image, which tells the ten images apart. */
    private static float[] firstPixels(Dataset d) {
        float[] values = new float[d.size()];
        for (int i = 0; i < d.size(); i++) {
            values[i] = d.image(i)[0];
        }
        return values;
    }

    @Test
    void disjointSubsetsDealTheDrawsOfSubsetInTurn() {
        var parts = ten().disjointSubsets(2, 3, 5);
        float[] drawn = firstPixels(ten().subset(6, 5));
        assertEquals(3, parts.size());
        for (int k = 0; k < 3; k++) {
            assertArrayEquals(new float[] {drawn[k], drawn[k + 3]}, firstPixels(parts.get(k)), "subset " + k);
        }
        assertEquals(6, java.util.stream.IntStream.range(0, 6).mapToObj(i -> drawn[i]).distinct().count(), "no image twice");
        assertEquals("ten (subset 2 of 3, 2 each, seed 5)", parts.get(1).name());
    }

    @Test
    void disjointSubsetsNestAsTheyGrow() {
        for (int k = 0; k < 2; k++) {
            float[] small = firstPixels(ten().disjointSubsets(2, 2, 9).get(k));
            float[] large = firstPixels(ten().disjointSubsets(5, 2, 9).get(k));
            assertArrayEquals(small, Arrays.copyOf(large, 2), "subset " + k);
        }
    }

    @Test
    void disjointSubsetsRejectTooManyExamplesOrNoParts() {
        var e = assertThrows(IllegalArgumentException.class, () -> ten().disjointSubsets(6, 2, 1));
        assertEquals("ten: expected 2 disjoint subsets of between 1 and 5 examples, asked for 6", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ten().disjointSubsets(0, 2, 1));
        assertEquals("ten: expected 2 disjoint subsets of between 1 and 5 examples, asked for 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ten().disjointSubsets(1, 0, 1));
        assertEquals("parts: expected at least 1, got 0", e.getMessage());
    }

    @Test
    void pooledAveragesEachBlockOfEachChannel() {
        // one 2-channel 2x4 image: channel 0 holds 0..7, channel 1 holds 8..15, row-major
        float[] pixels = new float[16];
        for (int i = 0; i < 16; i++) {
            pixels[i] = i;
        }
        var image = new Dataset("one", Nd4j.create(pixels, 1, 16), new int[] {1}, 2, 2, 4, List.of("a", "b"));
        var pooled = image.pooled(2);
        assertEquals(1, pooled.height());
        assertEquals(2, pooled.width());
        assertEquals(2, pooled.channels());
        // blocks {0,1,4,5}, {2,3,6,7}, then {8,9,12,13}, {10,11,14,15}
        assertArrayEquals(new float[] {2.5f, 4.5f, 10.5f, 12.5f}, pooled.features().toFloatVector());
        assertArrayEquals(new int[] {1}, pooled.labels());
        assertEquals(image, image.pooled(1));
    }

    @Test
    void pooledRejectsAFactorThatDoesNotDivideTheImage() {
        var e = assertThrows(IllegalArgumentException.class, () -> ten().pooled(2));
        assertEquals("factor: expected a divisor of both the height 1 and the width 2, got 2", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ten().pooled(0));
    }

    @Test
    void pixelsAreScaledAsNd4jsCastsAndDivisionScaleThem() {
        byte[] pixels = new byte[256 * 3 + 70_000];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 37);
        }
        float[] ours = Dataset.scaledPixels(pixels, 2, pixels.length / 2).ravel().toFloatVector();
        float[] nd4j = Nd4j.createFromArray(pixels).castTo(org.nd4j.linalg.api.buffer.DataType.UBYTE)
                .castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).divi(255f).toFloatVector();
        assertArrayEquals(nd4j, ours, "every byte value, two chunks and a part");
        assertEquals(1f, ours[83], 0f, "83 * 37 = 11 * 256 + 255");
        assertEquals(0f, ours[0], 0f);
        assertEquals(0, Dataset.scaledPixels(new byte[0], 0, 4).length());
    }

    @Test
    void pixelsAreScaledAlikeOnTwoThreads() {
        byte[] pixels = new byte[784 * 200];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 37 + i / 1000);
        }
        int n = pixels.length / 784;
        float[] one = Dataset.scaledPixels(pixels, n, 784).ravel().toFloatVector();
        HostLoops.using(2, () -> assertEquals(2, HostLoops.ranges(pixels.length, HostLoops.grain(1)), "two threads each take a part"));
        HostLoops.using(2, () -> assertArrayEquals(one, Dataset.scaledPixels(pixels, n, 784).ravel().toFloatVector()));
        assertEquals(1f, one[83], 0f);
    }

    @Test
    void headTakesTheFirstRows() {
        assertArrayEquals(new int[] {0, 1, 2, 0}, ten().head(4).labels());
    }

    @Test
    void constructorRejectsMismatchedShapesAndLabels() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("d", Nd4j.zeros(3, 4), new int[] {0, 1}, 1, 2, 2, List.of("a", "b")));
        assertEquals("d: expected 2 rows of features (one per label), got shape [3, 4]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("d", Nd4j.zeros(2, 5), new int[] {0, 1}, 1, 2, 2, List.of("a", "b")));
        assertEquals("d: expected 4 feature columns for 1x2x2 images, got 5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("d", Nd4j.zeros(2, 4), new int[] {0, 2}, 1, 2, 2, List.of("a", "b")));
        assertEquals("d: label 1 is 2, expected a class in [0, 2)", e.getMessage());
    }

    @Test
    void dataRootComesFromTheEnvironmentThenThePropertyThenTheWorkingDirectory() {
        var props = new Properties();
        props.setProperty("repro4j.data", "/from/property");
        assertEquals(Path.of("/from/env"), DataRoot.resolve(Map.of("REPRO_DATA", "/from/env"), props));
        assertEquals(Path.of("/from/property"), DataRoot.resolve(Map.of(), props));
        assertEquals(Path.of("data").toAbsolutePath(), DataRoot.resolve(Map.of(), new Properties()));
    }
}
