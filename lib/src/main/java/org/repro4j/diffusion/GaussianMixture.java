package org.repro4j.diffusion;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.HostArrays;
import org.repro4j.Check;

/**
 * A mixture of Gaussians with diagonal covariances and known parameters, and its exact denoiser.
 *
 * <p>Noised with x = x0 + sigma * noise, component k becomes N(mu_k, diag(s_k^2 + sigma^2)), so the
 * posterior mean is E[x0 | x] = sum_k r_k(x) (mu_k + s_k^2 / (s_k^2 + sigma^2) (x - mu_k)), with
 * responsibilities r_k(x) proportional to w_k N(x; mu_k, diag(s_k^2 + sigma^2)) (Bishop 2006, eq. 9.23
 * and 2.116). That is the ideal denoiser of Karras et al. 2022 (eq. 2) for this data, used by the
 * tests and by notebooks that separate the error of a sampler from the error of a network.
 *
 * @param weights mixing weights w_k, positive, summing to 1
 * @param means   means mu_k, one row of d coordinates per component
 * @param stds    standard deviations s_k, one row of d positive values per component
 */
public record GaussianMixture(double[] weights, double[][] means, double[][] stds) implements Denoiser {

    public GaussianMixture {
        if (weights.length == 0) {
            throw new IllegalArgumentException("weights: expected at least 1 component, got 0");
        }
        double sum = 0;
        for (int k = 0; k < weights.length; k++) {
            if (!(weights[k] > 0)) {
                throw new IllegalArgumentException("weights[" + k + "]: expected a positive weight, got " + weights[k]);
            }
            sum += weights[k];
        }
        if (Math.abs(sum - 1) > 1e-9) {
            throw new IllegalArgumentException("weights: expected a sum of 1, got " + sum);
        }
        if (means.length != weights.length || stds.length != weights.length) {
            throw new IllegalArgumentException("means, stds: expected " + weights.length + " rows like weights, got "
                    + means.length + " and " + stds.length);
        }
        for (int k = 0; k < weights.length; k++) {
            if (means[k].length != means[0].length || stds[k].length != means[0].length) {
                throw new IllegalArgumentException("means[" + k + "], stds[" + k + "]: expected " + means[0].length
                        + " coordinates, got " + means[k].length + " and " + stds[k].length);
            }
            for (int j = 0; j < stds[k].length; j++) {
                if (!(stds[k][j] > 0)) {
                    throw new IllegalArgumentException("stds[" + k + "][" + j + "]: expected a positive value, got " + stds[k][j]);
                }
            }
        }
        weights = weights.clone();
        means = Arrays.stream(means).map(double[]::clone).toArray(double[][]::new);
        stds = Arrays.stream(stds).map(double[]::clone).toArray(double[][]::new);
    }

    /** A single Gaussian N(mean, diag(std^2)). */
    public static GaussianMixture gaussian(double[] mean, double[] std) {
        return new GaussianMixture(new double[] {1}, new double[][] {mean}, new double[][] {std});
    }

    /** The number of coordinates d. */
    public int dim() {
        return means[0].length;
    }

    /** The mixture's mean, sum_k w_k mu_k. */
    public double[] mean() {
        double[] mean = new double[dim()];
        for (int k = 0; k < weights.length; k++) {
            for (int j = 0; j < mean.length; j++) {
                mean[j] += weights[k] * means[k][j];
            }
        }
        return mean;
    }

    /** The mixture's covariance, sum_k w_k (diag(s_k^2) + mu_k mu_k^T) - mean mean^T. */
    public double[][] covariance() {
        double[] mean = mean();
        double[][] cov = new double[dim()][dim()];
        for (int k = 0; k < weights.length; k++) {
            for (int i = 0; i < dim(); i++) {
                cov[i][i] += weights[k] * stds[k][i] * stds[k][i];
                for (int j = 0; j < dim(); j++) {
                    cov[i][j] += weights[k] * means[k][i] * means[k][j];
                }
            }
        }
        for (int i = 0; i < dim(); i++) {
            for (int j = 0; j < dim(); j++) {
                cov[i][j] -= mean[i] * mean[j];
            }
        }
        return cov;
    }

    /** {@code n} independent samples [n, d] in double precision, drawn from {@code random}. */
    public INDArray sample(int n, RandomGenerator random) {
        double[] x = new double[n * dim()];
        for (int i = 0; i < n; i++) {
            int k = 0;
            double u = random.nextDouble();
            while (k < weights.length - 1 && (u -= weights[k]) >= 0) {
                k++;
            }
            for (int j = 0; j < dim(); j++) {
                x[i * dim() + j] = means[k][j] + stds[k][j] * random.nextGaussian();
            }
        }
        return Batches.matrix(x, dim());
    }

    /** The exact posterior mean E[x0 | x] of the class comment, in the data type of {@code x}. */
    @Override
    public INDArray denoise(INDArray x, double sigma) {
        if (x.rank() != 2 || x.columns() != dim()) {
            throw new IllegalArgumentException("x: expected shape [n, " + dim() + "], got " + Arrays.toString(x.shape()));
        }
        Check.positive("sigma", sigma);
        int d = dim();
        double[] points = HostArrays.toDoubles(x);
        double[] out = new double[points.length];
        double[] logR = new double[weights.length];
        for (int i = 0; i < points.length / d; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < weights.length; k++) {
                logR[k] = Math.log(weights[k]);
                for (int j = 0; j < d; j++) {
                    double v = stds[k][j] * stds[k][j] + sigma * sigma;
                    double r = points[i * d + j] - means[k][j];
                    logR[k] -= 0.5 * (Math.log(v) + r * r / v);
                }
                max = Math.max(max, logR[k]);
            }
            double norm = 0;
            for (int k = 0; k < weights.length; k++) {
                norm += Math.exp(logR[k] - max);
            }
            for (int k = 0; k < weights.length; k++) {
                double responsibility = Math.exp(logR[k] - max) / norm;
                for (int j = 0; j < d; j++) {
                    double s2 = stds[k][j] * stds[k][j];
                    out[i * d + j] += responsibility * (means[k][j] + s2 / (s2 + sigma * sigma) * (points[i * d + j] - means[k][j]));
                }
            }
        }
        return Batches.matrix(out, d).castTo(x.dataType());
    }

    @Override
    public String toString() {
        return "GaussianMixture[weights=" + Arrays.toString(weights) + ", means=" + Arrays.deepToString(means)
                + ", stds=" + Arrays.deepToString(stds) + "]";
    }
}
