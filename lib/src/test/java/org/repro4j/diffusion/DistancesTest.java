package org.repro4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
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
}
