package org.repro4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Toy2dTest {

    @Test
    void checkerboardPointsLieOnTheDarkSquaresOnly() {
        double[][] x = Toy2d.checkerboard(2000, new SplittableRandom(1)).toDoubleMatrix();
        int[] perSquare = new int[16];
        for (double[] p : x) {
            int column = (int) Math.floor(p[0] / 2) + 2;
            int row = (int) Math.floor(p[1] / 2) + 2;
            assertEquals(0, (row + column) % 2, "point " + p[0] + ", " + p[1]);
            perSquare[row * 4 + column]++;
        }
        for (int square = 0; square < 16; square++) {
            if ((square / 4 + square % 4) % 2 == 0) {
                assertEquals(250, perSquare[square], 60, "square " + square);
            }
        }
    }

    @Test
    void twoMoonsLieOnTheirHalfCirclesWithoutNoise() {
        double[][] x = Toy2d.twoMoons(100, 0, new SplittableRandom(2)).toDoubleMatrix();
        for (int i = 0; i < x.length; i++) {
            double cx = i % 2 == 0 ? 0 : 1;
            double cy = i % 2 == 0 ? 0 : 0.5;
            assertEquals(1, Math.hypot(x[i][0] - cx, x[i][1] - cy), 1e-12);
            assertTrue(i % 2 == 0 ? x[i][1] >= cy : x[i][1] <= cy);
        }
    }

    @Test
    void eightGaussiansHaveTheirMomentsAndSamplesAreSeeded() {
        var mixture = Toy2d.eightGaussians(2, 0.1);
        assertArrayEquals(new double[] {0, 0}, mixture.mean(), 1e-12);
        // E[x x^T] = (r^2 / 2 + s^2) I for means evenly spaced on a circle of radius r.
        assertArrayEquals(new double[] {2.01, 0}, mixture.covariance()[0], 1e-12);
        assertEquals(mixture.sample(10, new SplittableRandom(3)), mixture.sample(10, new SplittableRandom(3)));
        assertEquals(Toy2d.checkerboard(10, new SplittableRandom(3)), Toy2d.checkerboard(10, new SplittableRandom(3)));
    }

    @Test
    void badInputsAreRejectedNamingTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> Toy2d.checkerboard(0, new SplittableRandom(1)));
        assertEquals("n: expected at least 1 point, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Toy2d.eightGaussians(2, 0));
        assertEquals("stds[0][0]: expected a positive value, got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new GaussianMixture(new double[] {0.5, 0.4}, new double[][] {{0}, {1}}, new double[][] {{1}, {1}}));
        assertEquals("weights: expected a sum of 1, got 0.9", e.getMessage());
    }
}
