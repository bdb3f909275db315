package org.repro4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.repro4j.HostArrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class DistancesTest {

    /** Shifting a sample by v moves every projection by theta . v, so SW_2^2 = E (theta . v)^2 = |v|^2 / 2 in 2-D. */
    @Test
    void slicedWassersteinOfAShiftIsTheShiftOverSqrtTwo() {
        INDArray x = Toy2d.twoMoons(500, 0.1, new SplittableRandom(1));
        INDArray shifted = x.addRowVector(Nd4j.createFromArray(3.0, 4.0));
        assertEquals(5 / Math.sqrt(2), Distances.slicedWasserstein(x, shifted, 4000, new SplittableRandom(2)), 0.05);
        assertEquals(0, Distances.slicedWasserstein(x, x, 10, new SplittableRandom(2)), 0);
    }

    @Test
    void slicedWassersteinIsSmallBetweenTwoSamplesOfOneDistributionAndLargeBetweenTwo() {
        var random = new SplittableRandom(3);
        var gaussians = Toy2d.eightGaussians(2, 0.1);
        double same = Distances.slicedWasserstein(gaussians.sample(2000, random), gaussians.sample(1500, random), 200, random);
        double other = Distances.slicedWasserstein(gaussians.sample(2000, random), Toy2d.checkerboard(2000, random), 200, random);
        // W_2 is sensitive to the sampling noise of the mode weights (about 1% of the mass 2 away).
        assertTrue(same < 0.2, "same distribution: " + same);
        assertTrue(other > 0.5, "8 Gaussians against the checkerboard: " + other);
    }

    /** For N(a, s^2 I) against N(b, s^2 I) in d dimensions, MMD^2 = 2 (h^2 / (h^2 + 2 s^2))^(d/2) (1 - exp(-|a - b|^2 / (2 (h^2 + 2 s^2)))). */
    @Test
    void mmdMatchesItsClosedFormForTwoGaussians() {
        var random = new SplittableRandom(4);
        double s = 0.5;
        double h = 1;
        INDArray x = GaussianMixture.gaussian(new double[] {0, 0}, new double[] {s, s}).sample(1500, random);
        INDArray y = GaussianMixture.gaussian(new double[] {1, 0}, new double[] {s, s}).sample(1500, random);
        double c = h * h + 2 * s * s;
        double exact = 2 * (h * h / c) * (1 - Math.exp(-1 / (2 * c)));
        assertEquals(exact, Distances.mmd2(x, y, h), 0.15 * exact);
        INDArray z = GaussianMixture.gaussian(new double[] {0, 0}, new double[] {s, s}).sample(1500, random);
        assertEquals(0, Distances.mmd2(x, z, h), 0.05 * exact);
    }

    @Test
    void badInputsAreRejectedNamingTheField() {
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 5, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> Distances.mmd2(x, Nd4j.zeros(DataType.DOUBLE, 5, 3), 1));
        assertEquals("y: expected shape [n, 2] with n >= 1, got [5, 3]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Distances.mmd2(x, x, 0));
        assertEquals("bandwidth: expected a positive length scale, got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Distances.slicedWasserstein(x, x, 0, new SplittableRandom(1)));
        assertEquals("projections: expected at least 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Distances.slicedWasserstein(Nd4j.zeros(DataType.DOUBLE, 4), x, 1, new SplittableRandom(1)));
        assertEquals("x: expected shape [n, d] with n >= 1, got [4]", e.getMessage());
    }

    /** The 2^d corners (+-1, ..., +-1), column j scaled by scale[j] and shifted by mean[j]: sample covariance diag(scale^2 2^d / (2^d - 1)), exactly. */
    private static INDArray corners(double[] mean, double[] scale) {
        int d = mean.length, n = 1 << d;
        double[] values = new double[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                values[i * d + j] = mean[j] + scale[j] * ((i >> j & 1) == 0 ? -1 : 1);
            }
        }
        return Batches.matrix(values, d);
    }

    private static double diagonalFrechet(double[] meanA, double[] scaleA, double[] meanB, double[] scaleB) {
        int n = 1 << meanA.length;
        double total = 0;
        for (int j = 0; j < meanA.length; j++) {
            double rootA = scaleA[j] * Math.sqrt(n / (n - 1.0)), rootB = scaleB[j] * Math.sqrt(n / (n - 1.0));
            total += (meanA[j] - meanB[j]) * (meanA[j] - meanB[j]) + (rootA - rootB) * (rootA - rootB);
        }
        return total;
    }

    @Test
    void frechetOfDiagonalCovariancesIsTheMeanGapPlusTheGapsOfTheStandardDeviations() {
        double[] meanA = {0, 1, -2}, scaleA = {1, 2, 0.5}, meanB = {1, 1, 0}, scaleB = {3, 0.5, 0.5};
        assertEquals(diagonalFrechet(meanA, scaleA, meanB, scaleB),
                Distances.frechet(corners(meanA, scaleA), corners(meanB, scaleB)), 1e-12);
    }

    /** Rotating both sets by one orthogonal Q gives commuting covariances Q D Qᵀ; the distance is the diagonal one. */
    @Test
    void frechetOfCommutingCovariancesIsThatOfTheirEigenvalues() {
        double[] meanA = {0, 1, -2}, scaleA = {1, 2, 0.5}, meanB = {1, 1, 0}, scaleB = {3, 0.5, 0.5};
        double c = Math.cos(0.7), s = Math.sin(0.7), c2 = Math.cos(-1.3), s2 = Math.sin(-1.3);
        INDArray rotation = Nd4j.createFromArray(new double[][] {{c, -s, 0}, {s, c, 0}, {0, 0, 1}})
                .mmul(Nd4j.createFromArray(new double[][] {{1, 0, 0}, {0, c2, -s2}, {0, s2, c2}}));
        INDArray a = corners(meanA, scaleA).mmul(rotation.transpose()), b = corners(meanB, scaleB).mmul(rotation.transpose());
        assertEquals(diagonalFrechet(meanA, scaleA, meanB, scaleB), Distances.frechet(a, b), 1e-11);
    }

    /**
     * For 2x2 covariances the eigenvalues l1, l2 of S1 S2 are real and non-negative, and
     * tr((S1 S2)^(1/2)) = sqrt(l1) + sqrt(l2) = sqrt(tr(S1 S2) + 2 sqrt(det(S1 S2))): a closed form for non-commuting ones.
     */
    @Test
    void frechetOfNonCommutingTwoByTwoCovariancesMatchesItsClosedForm() {
        var random = new SplittableRandom(5);
        INDArray x = Batches.gaussian(new long[] {50, 2}, DataType.DOUBLE, random).mmul(Nd4j.createFromArray(new double[][] {{1, 0.8}, {0, 0.6}}));
        INDArray y = Batches.gaussian(new long[] {70, 2}, DataType.DOUBLE, random).mmul(Nd4j.createFromArray(new double[][] {{2, 0}, {-1, 0.3}})).addi(1);
        INDArray s1 = sampleCovariance(x), s2 = sampleCovariance(y), product = s1.mmul(s2);
        double det = product.getDouble(0, 0) * product.getDouble(1, 1) - product.getDouble(0, 1) * product.getDouble(1, 0);
        double rootTrace = Math.sqrt(product.getDouble(0, 0) + product.getDouble(1, 1) + 2 * Math.sqrt(det));
        double meanGap = x.mean(0).sub(y.mean(0)).norm2Number().doubleValue();
        double exact = meanGap * meanGap + s1.getDouble(0, 0) + s1.getDouble(1, 1) + s2.getDouble(0, 0) + s2.getDouble(1, 1) - 2 * rootTrace;
        assertEquals(exact, Distances.frechet(x, y), 1e-12);
    }

    private static INDArray sampleCovariance(INDArray x) {
        INDArray centred = x.subRowVector(x.mean(0));
        return centred.transpose().mmul(centred).divi(x.rows() - 1);
    }

    @Test
    void frechetOfASetWithItselfIsZeroAndTheDistanceIsSymmetric() {
        var random = new SplittableRandom(6);
        INDArray x = Batches.gaussian(new long[] {300, 20}, DataType.DOUBLE, random);
        INDArray y = Batches.gaussian(new long[] {200, 20}, DataType.DOUBLE, random).mmul(Batches.gaussian(new long[] {20, 20}, DataType.DOUBLE, random)).addi(0.5);
        assertEquals(0, Distances.frechet(x, x), 1e-9);
        assertEquals(0, Distances.frechet(y, y), 1e-9);
        double xy = Distances.frechet(x, y);
        assertTrue(xy > 10, "two different Gaussians: " + xy);
        assertEquals(xy, Distances.frechet(y, x), 1e-9 * xy);
    }

    /** With fewer points than dimensions the covariances are singular; the square roots still exist. */
    @Test
    void frechetHandlesSingularCovariances() {
        var random = new SplittableRandom(7);
        INDArray x = Batches.gaussian(new long[] {5, 30}, DataType.DOUBLE, random), y = Batches.gaussian(new long[] {8, 30}, DataType.DOUBLE, random);
        assertEquals(0, Distances.frechet(x, x), 1e-9);
        double xy = Distances.frechet(x, y);
        assertTrue(Double.isFinite(xy) && xy > 0, "singular covariances: " + xy);
        assertEquals(xy, Distances.frechet(y, x), 1e-9 * xy);
    }

    @Test
    void frechetRejectsBadShapesNamingTheField() {
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 5, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> Distances.frechet(x, Nd4j.zeros(DataType.DOUBLE, 5, 4)));
        assertEquals("y: expected shape [n, 3] with n >= 1, got [5, 4]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Distances.frechet(x, Nd4j.zeros(DataType.DOUBLE, 1, 3)));
        assertEquals("x, y: expected at least 2 points each to fit a covariance, got 5 and 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Distances.frechet(Nd4j.zeros(DataType.DOUBLE, 3), x));
        assertEquals("x: expected shape [n, d] with n >= 1, got [3]", e.getMessage());
    }

    @Test
    void nearestFindsTheClosestTrainingRowWithItsDistanceAndCosine() {
        INDArray training = Nd4j.createFromArray(new float[][] {{0, 0}, {3, 4}, {1, 0}});
        INDArray samples = Nd4j.createFromArray(new float[][] {{2, 0}, {3, 4}, {0, 0.5f}, {-6, -8}});
        var nearest = Distances.nearest(samples, training);
        assertArrayEquals(new int[] {2, 1, 0, 0}, nearest.index());
        assertArrayEquals(new double[] {1, 0, 0.5, 10}, nearest.distance(), 1e-12);
        assertEquals(1, nearest.cosine()[0], 1e-12);
        assertEquals(1, nearest.cosine()[1], 1e-12);
        assertTrue(Double.isNaN(nearest.cosine()[2]), "cosine with the zero image is undefined");
        assertTrue(Double.isNaN(nearest.cosine()[3]));
    }

    /** Its blocks are freed as it goes; a double-precision input must not be among them. */
    @Test
    void nearestLeavesDoublePrecisionInputsUsable() {
        INDArray training = Nd4j.createFromArray(new double[][] {{0, 0}, {3, 4}});
        INDArray samples = Nd4j.createFromArray(new double[][] {{2, 0}});
        assertArrayEquals(new int[] {0}, Distances.nearest(samples, training).index());
        assertArrayEquals(new double[] {0, 0, 3, 4}, training.getRows(0, 1).reshape(4).toDoubleVector());
        assertArrayEquals(new double[] {2, 0}, samples.toDoubleVector());
    }

    /** More rows than one block on both sides, a duplicate across blocks (the first wins), against a brute-force search. */
    @Test
    void nearestOverSeveralBlocksMatchesABruteForceSearch() {
        var random = new SplittableRandom(8);
        int n = 1_100, m = 4_300, d = 3;
        double[] train = HostArrays.toDoubles(Batches.gaussian(new long[] {m, d}, DataType.DOUBLE, random));
        System.arraycopy(train, 5 * d, train, 4_100 * d, d);  // row 4100 repeats row 5
        double[] samples = HostArrays.toDoubles(Batches.gaussian(new long[] {n, d}, DataType.DOUBLE, random));
        System.arraycopy(train, 5 * d, samples, 1_050 * d, d);  // sample 1050 (in the second block) is row 5
        var nearest = Distances.nearest(Batches.matrix(samples, d), Batches.matrix(train, d));
        for (int i = 0; i < n; i++) {
            int best = -1;
            double bestD2 = Double.POSITIVE_INFINITY;
            for (int j = 0; j < m; j++) {
                double d2 = 0;
                for (int k = 0; k < d; k++) {
                    d2 += (samples[i * d + k] - train[j * d + k]) * (samples[i * d + k] - train[j * d + k]);
                }
                if (d2 < bestD2) {
                    bestD2 = d2;
                    best = j;
                }
            }
            assertEquals(best, nearest.index()[i], "sample " + i);
            assertEquals(Math.sqrt(bestD2), nearest.distance()[i], 1e-12, "sample " + i);
        }
        assertEquals(5, nearest.index()[1_050]);
        assertEquals(0, nearest.distance()[1_050]);
    }

    @Test
    void nearestRejectsBadShapesNamingTheField() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Distances.nearest(Nd4j.zeros(DataType.DOUBLE, 2, 3), Nd4j.zeros(DataType.DOUBLE, 4, 2)));
        assertEquals("training: expected shape [n, 3] with n >= 1, got [4, 2]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Distances.nearest(Nd4j.zeros(DataType.DOUBLE, 0, 3), Nd4j.zeros(DataType.DOUBLE, 4, 3)));
        assertEquals("samples: expected shape [n, d] with n >= 1, got [0, 3]", e.getMessage());
    }
}
