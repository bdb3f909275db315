package org.repro4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SimilarityTest {

    /** Three-pixel images: a ramp, its brighter double, its negative, a shuffle of it (similarity 1/2) and a constant. */
    private static final INDArray RAMP = Nd4j.createFromArray(new float[][] {{1, 2, 3}}),
            IMAGES = Nd4j.createFromArray(new float[][] {{12, 14, 16}, {3, 2, 1}, {1, 3, 2}, {5, 5, 5}});

    @Test
    void theSimilarityIsTheCorrelationOfThePixels() {
        assertArrayEquals(new double[] {1, -1, 0.5, 0}, Similarity.matrix(RAMP, IMAGES).toDoubleVector(), 1e-12);
        assertArrayEquals(new long[] {4, 1}, Similarity.matrix(IMAGES, RAMP).shape());
        INDArray self = Similarity.matrix(IMAGES, IMAGES);
        assertEquals(DataType.DOUBLE, self.dataType());
        assertArrayEquals(new double[] {1, 1, 1, 0}, new double[] {self.getDouble(0, 0), self.getDouble(1, 1), self.getDouble(2, 2),
                self.getDouble(3, 3)}, 1e-12, "a constant image is like nothing, itself included");
    }

    @Test
    void centredRowsHaveZeroMeanAndUnitNormExceptConstantOnes() {
        INDArray c = Similarity.centred(IMAGES);
        assertArrayEquals(new double[] {0, 0, 0, 0}, c.mean(1).toDoubleVector(), 1e-12);
        assertArrayEquals(new double[] {1, 1, 1, 0}, c.norm2(1).toDoubleVector(), 1e-12);
        // 0.1 repeated is not exactly its own float mean: the rounding left over is not taken for a direction
        assertEquals(0, Similarity.centred(Nd4j.createFromArray(new double[][] {{0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}})).norm2Number().doubleValue());
    }

    @Test
    void pairedComparesRowIWithRowI() {
        INDArray ramps = Nd4j.createFromArray(new float[][] {{1, 2, 3}, {1, 2, 3}, {1, 2, 3}});
        assertArrayEquals(new double[] {1, -1, 0.5}, Similarity.paired(ramps, IMAGES.getRows(0, 1, 2)), 1e-12);
    }

    @Test
    void pairedExcessIsThePartnerMinusTheMeanOfTheOthers() {
        INDArray x = IMAGES.getRows(0, 1, 2);
        // rows of matrix(x, x): {1, -1, 0.5}, {-1, 1, -0.5}, {0.5, -0.5, 1}
        assertArrayEquals(new double[] {1 - (-1 + 0.5) / 2, 1 - (-1 - 0.5) / 2, 1 - (0.5 - 0.5) / 2},
                Similarity.pairedExcess(x, x), 1e-12);
        INDArray same = Nd4j.createFromArray(new float[][] {{1, 2, 3}, {2, 4, 6}});
        assertArrayEquals(new double[] {0, 0}, Similarity.pairedExcess(same, same), 1e-12, "one image for every noise: no excess");
    }

    @Test
    void meanPairwiseAveragesTheOffDiagonal() {
        assertEquals((-1 + 0.5 - 0.5) / 3, Similarity.meanPairwise(IMAGES.getRows(0, 1, 2)), 1e-12);
    }

    @Test
    void nearestFindsTheMostSimilarTrainingImage() {
        INDArray training = Nd4j.createFromArray(new float[][] {{5, 5, 5}, {3, 2, 1}, {1, 3, 2}, {0, 1, 2}, {2, 3, 4}});
        INDArray samples = Nd4j.createFromArray(new float[][] {{1, 2, 3}, {1, 4, 2}, {-1, -2, -3}, {7, 7, 7}});
        var match = Similarity.nearest(samples, training);
        assertArrayEquals(new int[] {3, 2, 1, 0}, match.index(), "the first of the tied ramps; a constant sample gets the first row");
        assertArrayEquals(new double[] {1, Similarity.matrix(samples.getRow(1, true), training.getRow(2, true)).getDouble(0), 1, 0},
                match.similarity(), 1e-12);
    }

    @Test
    void badInputsAreRejectedNamingTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> Similarity.matrix(RAMP, Nd4j.zeros(2, 2)));
        assertEquals("y: expected shape [n, 3] with n >= 1, got [2, 2]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Similarity.paired(RAMP, IMAGES));
        assertEquals("x, y: expected the same number of rows, at least 1, got 1 and 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Similarity.pairedExcess(RAMP, RAMP));
        assertEquals("x, y: expected the same number of rows, at least 2, got 1 and 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Similarity.nearest(Nd4j.zeros(3), IMAGES));
        assertEquals("samples: expected shape [n, d] with n >= 1, got [3]", e.getMessage());
    }
}
