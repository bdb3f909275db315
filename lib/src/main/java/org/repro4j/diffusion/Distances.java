package org.repro4j.diffusion;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Distances between two samples of points [n, d] and [m, d], to score generated samples against data. */
public final class Distances {

    private Distances() {
    }

    /**
     * The sliced 2-Wasserstein distance (Rabin et al. 2011; Bonneel et al. 2015, eq. 4):
     * SW_2 = sqrt(E_theta W_2^2(theta . x, theta . y)) over directions theta uniform on the unit sphere,
     * estimated with {@code projections} random directions. The one-dimensional W_2 compares the two
     * empirical quantile functions at the levels (k + 1/2) / K, K = max(n, m), which is exact when n = m.
     *
     * @param projections number of random directions, at least 1
     */
    public static double slicedWasserstein(INDArray x, INDArray y, int projections, RandomGenerator random) {
        double[][] a = points("x", x, -1);
        double[][] b = points("y", y, x.columns());
        if (projections < 1) {
            throw new IllegalArgumentException("projections: expected at least 1, got " + projections);
        }
        int levels = Math.max(a.length, b.length);
        double total = 0;
        for (int p = 0; p < projections; p++) {
            double[] theta = new double[a[0].length];
            double norm = 0;
            for (int j = 0; j < theta.length; j++) {
                theta[j] = random.nextGaussian();
                norm += theta[j] * theta[j];
            }
            for (int j = 0; j < theta.length; j++) {
                theta[j] /= Math.sqrt(norm);
            }
            double[] pa = sortedProjections(a, theta);
            double[] pb = sortedProjections(b, theta);
            for (int k = 0; k < levels; k++) {
                double u = (k + 0.5) / levels;
                double gap = pa[(int) (u * pa.length)] - pb[(int) (u * pb.length)];
                total += gap * gap / levels;
            }
        }
        return Math.sqrt(total / projections);
    }

    /**
     * The unbiased estimate of the squared maximum mean discrepancy (Gretton et al. 2012, "A Kernel
     * Two-Sample Test", eq. 3) with the Gaussian kernel k(a, b) = exp(-|a - b|^2 / (2 bandwidth^2)).
     * It is 0 in expectation when both samples come from one distribution, and can be slightly negative.
     *
     * @param bandwidth the kernel's length scale, positive
     */
    public static double mmd2(INDArray x, INDArray y, double bandwidth) {
        double[][] a = points("x", x, -1);
        double[][] b = points("y", y, x.columns());
        if (!(bandwidth > 0)) {
            throw new IllegalArgumentException("bandwidth: expected a positive length scale, got " + bandwidth);
        }
        if (a.length < 2 || b.length < 2) {
            throw new IllegalArgumentException("x, y: expected at least 2 points each, got " + a.length + " and " + b.length);
        }
        double xx = kernelSum(a, a, bandwidth, true) / ((double) a.length * (a.length - 1));
        double yy = kernelSum(b, b, bandwidth, true) / ((double) b.length * (b.length - 1));
        double xy = kernelSum(a, b, bandwidth, false) / ((double) a.length * b.length);
        return xx + yy - 2 * xy;
    }

    private static double kernelSum(double[][] a, double[][] b, double bandwidth, boolean skipDiagonal) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                if (skipDiagonal && i == j) {
                    continue;
                }
                double d2 = 0;
                for (int c = 0; c < a[i].length; c++) {
                    double diff = a[i][c] - b[j][c];
                    d2 += diff * diff;
                }
                sum += Math.exp(-d2 / (2 * bandwidth * bandwidth));
            }
        }
        return sum;
    }

    private static double[] sortedProjections(double[][] points, double[] theta) {
        double[] projected = new double[points.length];
        for (int i = 0; i < points.length; i++) {
            for (int j = 0; j < theta.length; j++) {
                projected[i] += points[i][j] * theta[j];
            }
        }
        Arrays.sort(projected);
        return projected;
    }

    /** The rows of {@code sample}, checked to be a [n, dim] batch (any dim when it is negative). */
    private static double[][] points(String field, INDArray sample, long dim) {
        if (sample.rank() != 2 || sample.rows() < 1 || dim >= 0 && sample.columns() != dim) {
            throw new IllegalArgumentException(field + ": expected shape [n, " + (dim >= 0 ? dim : "d") + "] with n >= 1, got "
                    + Arrays.toString(sample.shape()));
        }
        double[] flat = Batches.flat(sample);
        int d = (int) sample.columns();
        double[][] rows = new double[(int) sample.rows()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = Arrays.copyOfRange(flat, i * d, (i + 1) * d);
        }
        return rows;
    }
}
