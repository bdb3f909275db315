package org.repro4j.diffusion;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.repro4j.HostArrays;
import org.repro4j.data.Dataset;

/** Distances between two samples of points [n, d] and [m, d], to score generated samples against data. */
public final class Distances {

    /** Rows of the samples and of the training set compared at once by {@link #nearest}: a [1000, 4000] double block is 32 MB. */
    private static final int SAMPLE_CHUNK = 1000, TRAINING_CHUNK = 4000;

    private Distances() {
    }

    /**
     * The nearest training point of each sample, the memorisation check of Kadkhodaie et al. 2024
     * ("Generalization in diffusion models arises from geometry-adaptive harmonic representations", Fig. 1-2:
     * a generated image next to its closest training image).
     *
     * @param index    for each sample, the row of the training set at the least Euclidean distance (the first of ties)
     * @param distance the Euclidean (L2) distance to that row
     * @param cosine   the cosine similarity with that row, x . t / (|x| |t|); NaN when either is all zeros
     */
    public record Nearest(int[] index, double[] distance, double[] cosine) {
    }

    /**
     * For each row of {@code samples} [n, d], the nearest row of {@code training} [m, d] in Euclidean distance
     * and its distance and cosine similarity. Candidates are ranked through |x|^2 + |t|^2 - 2 x . t in double
     * precision, over blocks of {@value #SAMPLE_CHUNK} samples by {@value #TRAINING_CHUNK} training rows so 10,000
     * samples against 60,000 images of 784 pixels stay within about 100 MB; the reported distance and cosine
     * are then computed directly from the two rows.
     *
     * @throws IllegalArgumentException if either is not [rows, d] with rows >= 1, or they differ in d
     */
    public static Nearest nearest(INDArray samples, INDArray training) {
        checkMatrix("samples", samples, -1);
        checkMatrix("training", training, samples.columns());
        int n = (int) samples.rows(), m = (int) training.rows();
        int[] index = new int[n];
        double[] distance = new double[n], cosine = new double[n];
        // Every block is closed as soon as it is used: left to the garbage collector, whose heap these
        // native arrays barely touch, 10,000 x 60,000 would pile up gigabytes before a collection.
        for (int from = 0; from < n; from += SAMPLE_CHUNK) {
            int to = Math.min(n, from + SAMPLE_CHUNK);
            double[] best = new double[to - from];
            Arrays.fill(best, Double.POSITIVE_INFINITY);
            try (INDArray x = ownDoubles(samples.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()));
                 INDArray xx = squaredNorms(x)) {
                for (int start = 0; start < m; start += TRAINING_CHUNK) {
                    int end = Math.min(m, start + TRAINING_CHUNK);
                    try (INDArray t = ownDoubles(training.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()));
                         INDArray tt = squaredNorms(t);
                         INDArray squared = x.mmul(t.transpose()).muli(-2).addiColumnVector(xx.reshape(-1, 1)).addiRowVector(tt);
                         INDArray argMinArray = Nd4j.argMin(squared, 1);
                         INDArray minArray = squared.min(1)) {
                        int[] argMin = argMinArray.toIntVector();
                        double[] min = minArray.toDoubleVector();
                        for (int i = 0; i < min.length; i++) {
                            if (min[i] < best[i]) {
                                best[i] = min[i];
                                index[from + i] = start + argMin[i];
                            }
                        }
                    }
                }
                // the reported numbers from the rows themselves, not from the expansion (which loses digits near 0)
                try (INDArray t = Dataset.gatherRows(training, Arrays.copyOfRange(index, from, to)).castTo(DataType.DOUBLE);
                     INDArray gap = x.sub(t); INDArray product = x.mul(t); INDArray tt = squaredNorms(t)) {
                    double[] l2 = gap.muli(gap).sum(1).toDoubleVector();
                    double[] dot = product.sum(1).toDoubleVector();
                    double[] xNorm2 = xx.toDoubleVector(), tNorm2 = tt.toDoubleVector();
                    for (int i = 0; i < l2.length; i++) {
                        distance[from + i] = Math.sqrt(l2[i]);
                        cosine[from + i] = xNorm2[i] == 0 || tNorm2[i] == 0 ? Double.NaN : dot[i] / Math.sqrt(xNorm2[i] * tNorm2[i]);
                    }
                }
            }
        }
        return new Nearest(index, distance, cosine);
    }

    /**
     * A double-precision copy of {@code view} that may be closed: {@code castTo} returns a double array itself, and
     * closing a view of the caller's array would free the caller's buffer.
     */
    private static INDArray ownDoubles(INDArray view) {
        return view.dataType() == DataType.DOUBLE ? view.dup() : view.castTo(DataType.DOUBLE);
    }

    /** The squared Euclidean norm of each row, without keeping the squared entries. */
    private static INDArray squaredNorms(INDArray rows) {
        try (INDArray squares = rows.mul(rows)) {
            return squares.sum(1);
        }
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

    /**
     * The Fréchet distance between the Gaussians fitted to two feature sets [n, d] and [m, d] (Dowson and
     * Landau 1982; the distance behind FID, Heusel et al. 2017, section 3):
     * |m1 - m2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)), with the means and the unbiased (n - 1) covariances.
     * The trace of the square root is taken through the symmetric form tr((S1^(1/2) S2 S1^(1/2))^(1/2)), which
     * has the same eigenvalues, with both square roots from Jacobi eigen-decompositions in double precision.
     * Eigenvalues that rounding cannot tell from zero are taken as zero (see {@link SymmetricEigen#semiDefiniteValues()}),
     * so singular covariances (fewer points than dimensions, dead ReLU features) keep full accuracy: a set against
     * itself gives 0 to rounding rather than an error of sqrt(machine epsilon).
     *
     * @throws IllegalArgumentException if a set is not [n, d] with n >= 2, or the two differ in d
     */
    public static double frechet(INDArray x, INDArray y) {
        double[][] a = points("x", x, -1);
        double[][] b = points("y", y, x.columns());
        if (a.length < 2 || b.length < 2) {
            throw new IllegalArgumentException("x, y: expected at least 2 points each to fit a covariance, got " + a.length
                    + " and " + b.length);
        }
        double[] meanA = mean(a), meanB = mean(b);
        double[][] covA = covariance(a, meanA), covB = covariance(b, meanB);
        int d = meanA.length;
        double meanTerm = 0, traces = 0;
        for (int i = 0; i < d; i++) {
            meanTerm += (meanA[i] - meanB[i]) * (meanA[i] - meanB[i]);
            traces += covA[i][i] + covB[i][i];
        }
        double[][] rootA = SymmetricEigen.of(covA).sqrt();
        double[][] product = multiply(multiply(rootA, covB), rootA);
        double rootTrace = 0;
        for (double lambda : SymmetricEigen.of(product).semiDefiniteValues()) {
            rootTrace += Math.sqrt(lambda);
        }
        return meanTerm + traces - 2 * rootTrace;
    }

    private static double[] mean(double[][] points) {
        double[] mean = new double[points[0].length];
        for (double[] p : points) {
            for (int j = 0; j < mean.length; j++) {
                mean[j] += p[j] / points.length;
            }
        }
        return mean;
    }

    private static double[][] covariance(double[][] points, double[] mean) {
        int d = mean.length;
        double[][] cov = new double[d][d];
        double[] centred = new double[d];
        for (double[] p : points) {
            for (int j = 0; j < d; j++) {
                centred[j] = p[j] - mean[j];
            }
            for (int i = 0; i < d; i++) {
                for (int j = i; j < d; j++) {
                    cov[i][j] += centred[i] * centred[j];
                }
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                cov[i][j] /= points.length - 1;
                cov[j][i] = cov[i][j];
            }
        }
        return cov;
    }

    /** The matrix product a b. */
    private static double[][] multiply(double[][] a, double[][] b) {
        int d = a.length;
        double[][] c = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                double aik = a[i][k];
                for (int j = 0; j < d; j++) {
                    c[i][j] += aik * b[k][j];
                }
            }
        }
        return c;
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

    /** Checks that {@code sample} is a [n, dim] batch (any dim when it is negative) with n >= 1, naming {@code field} if not. */
    static void checkMatrix(String field, INDArray sample, long dim) {
        if (sample.rank() != 2 || sample.rows() < 1 || dim >= 0 && sample.columns() != dim) {
            throw new IllegalArgumentException(field + ": expected shape [n, " + (dim >= 0 ? dim : "d") + "] with n >= 1, got "
                    + Arrays.toString(sample.shape()));
        }
    }

    /** The rows of {@code sample}, checked to be a [n, dim] batch (any dim when it is negative). */
    private static double[][] points(String field, INDArray sample, long dim) {
        checkMatrix(field, sample, dim);
        double[] flat = HostArrays.toDoubles(sample);
        int d = (int) sample.columns();
        double[][] rows = new double[(int) sample.rows()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = Arrays.copyOfRange(flat, i * d, (i + 1) * d);
        }
        return rows;
    }
}
