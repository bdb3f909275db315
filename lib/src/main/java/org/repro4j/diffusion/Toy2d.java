package org.repro4j.diffusion;

import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The two-dimensional toy distributions of the diffusion and flow literature, sampled in double
 * precision from a caller's generator, so the same seed gives the same points. Mixtures of Gaussians
 * are {@link GaussianMixture}s, which also know their exact denoiser.
 */
public final class Toy2d {

    private Toy2d() {
    }

    /**
     * {@code n} points uniform on the dark squares of a 4 x 4 checkerboard over [-4, 4]^2 (the toy of
     * Grathwohl et al. 2019, FFJORD, used by Albergo et al. 2023 for stochastic interpolants).
     */
    public static INDArray checkerboard(int n, RandomGenerator random) {
        checkCount(n);
        double[] x = new double[2 * n];
        for (int i = 0; i < n; i++) {
            int column = random.nextInt(4);
            int row = 2 * random.nextInt(2) + column % 2;
            x[2 * i] = 2 * (column - 2 + random.nextDouble());
            x[2 * i + 1] = 2 * (row - 2 + random.nextDouble());
        }
        return Batches.matrix(x, 2);
    }

    /**
     * {@code n} points on two interleaved half circles of radius 1 (the upper one centred at the
     * origin, the lower one at (1, 0.5)), half on each, plus isotropic Gaussian noise (scikit-learn's
     * {@code make_moons}, with angles drawn uniformly instead of on a grid).
     *
     * @param noise standard deviation of the added noise, at least 0
     */
    public static INDArray twoMoons(int n, double noise, RandomGenerator random) {
        checkCount(n);
        if (!(noise >= 0)) {
            throw new IllegalArgumentException("noise: expected a standard deviation of at least 0, got " + noise);
        }
        double[] x = new double[2 * n];
        for (int i = 0; i < n; i++) {
            double angle = Math.PI * random.nextDouble();
            boolean upper = i % 2 == 0;
            x[2 * i] = (upper ? Math.cos(angle) : 1 - Math.cos(angle)) + noise * random.nextGaussian();
            x[2 * i + 1] = (upper ? Math.sin(angle) : 0.5 - Math.sin(angle)) + noise * random.nextGaussian();
        }
        return Batches.matrix(x, 2);
    }

    /**
     * Eight equally weighted isotropic Gaussians with their means evenly spaced on a circle (the
     * "8 Gaussians" of Grathwohl et al. 2019); the usual toy has radius 2 and std 0.02 to 0.5.
     *
     * @param radius distance of the means from the origin, positive
     * @param std    standard deviation of each Gaussian in each coordinate, positive
     */
    public static GaussianMixture eightGaussians(double radius, double std) {
        if (!(radius > 0)) {
            throw new IllegalArgumentException("radius: expected a positive value, got " + radius);
        }
        double[] weights = new double[8];
        double[][] means = new double[8][];
        double[][] stds = new double[8][];
        for (int k = 0; k < 8; k++) {
            weights[k] = 1.0 / 8;
            means[k] = new double[] {radius * Math.cos(Math.PI * k / 4), radius * Math.sin(Math.PI * k / 4)};
            stds[k] = new double[] {std, std};
        }
        return new GaussianMixture(weights, means, stds);
    }

    private static void checkCount(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n: expected at least 1 point, got " + n);
        }
    }
}
