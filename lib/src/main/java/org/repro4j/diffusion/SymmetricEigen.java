package org.repro4j.diffusion;

/**
 * The eigen-decomposition A = V diag(values) Vᵀ of a real symmetric matrix by the cyclic Jacobi method
 * (Golub and Van Loan, "Matrix Computations", 4th ed., Algorithm 8.5.3), in double precision: accurate
 * to rounding for the small (d of a few hundred) covariance matrices of {@link Distances#frechet}.
 *
 * @param values  the eigenvalues, in no particular order
 * @param vectors the eigenvectors as columns: {@code vectors[i][k]} is entry i of eigenvector k
 */
record SymmetricEigen(double[] values, double[][] vectors) {

    /** Sweeps over all off-diagonal pairs before giving up; Jacobi converges quadratically, in well under 30. */
    private static final int MAX_SWEEPS = 100;

    /** The decomposition of (a + aᵀ) / 2, so rounding asymmetry in {@code a} does not matter. */
    static SymmetricEigen of(double[][] a) {
        int d = a.length;
        double[][] m = new double[d][d];
        double[][] v = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                m[i][j] = (a[i][j] + a[j][i]) / 2;
            }
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double off = 0, scale = 0;
            for (int i = 0; i < d; i++) {
                scale += m[i][i] * m[i][i];
                for (int j = i + 1; j < d; j++) {
                    off += 2 * m[i][j] * m[i][j];
                }
            }
            if (off <= 1e-30 * (scale + off) || off == 0) {
                break;
            }
            for (int p = 0; p < d; p++) {
                for (int q = p + 1; q < d; q++) {
                    if (m[p][q] != 0) {
                        rotate(m, v, p, q);
                    }
                }
            }
        }
        double[] values = new double[d];
        for (int i = 0; i < d; i++) {
            values[i] = m[i][i];
        }
        return new SymmetricEigen(values, v);
    }

    /** The Jacobi rotation in the (p, q) plane that zeroes m[p][q] (Golub and Van Loan, Algorithm 8.5.1), applied to m and v. */
    private static void rotate(double[][] m, double[][] v, int p, int q) {
        double tau = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        double t = Math.signum(tau) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        if (tau == 0) {
            t = 1;
        }
        double c = 1 / Math.sqrt(1 + t * t), s = t * c;
        int d = m.length;
        for (int k = 0; k < d; k++) {  // m <- m J on columns p, q
            double mkp = m[k][p], mkq = m[k][q];
            m[k][p] = c * mkp - s * mkq;
            m[k][q] = s * mkp + c * mkq;
        }
        for (int k = 0; k < d; k++) {  // m <- Jᵀ m on rows p, q
            double mpk = m[p][k], mqk = m[q][k];
            m[p][k] = c * mpk - s * mqk;
            m[q][k] = s * mpk + c * mqk;
        }
        for (int k = 0; k < d; k++) {
            double vkp = v[k][p], vkq = v[k][q];
            v[k][p] = c * vkp - s * vkq;
            v[k][q] = s * vkp + c * vkq;
        }
    }

    /**
     * The eigenvalues of a positive semi-definite matrix, with those below d * eps * max|value| (eps the
     * machine epsilon), which rounding cannot tell from 0, set to 0. Taken as is, such a value's square root
     * (about sqrt(eps) * max) would put an error of that size into the square root of a singular matrix.
     */
    double[] semiDefiniteValues() {
        double max = 0;
        for (double value : values) {
            max = Math.max(max, Math.abs(value));
        }
        double floor = values.length * Math.ulp(1.0) * max;
        double[] clamped = new double[values.length];
        for (int k = 0; k < values.length; k++) {
            clamped[k] = values[k] <= floor ? 0 : values[k];
        }
        return clamped;
    }

    /** V diag(sqrt(values)) Vᵀ: the symmetric square root of a positive semi-definite matrix, with its {@link #semiDefiniteValues()}. */
    double[][] sqrt() {
        int d = values.length;
        double[] clamped = semiDefiniteValues();
        double[][] root = new double[d][d];
        for (int k = 0; k < d; k++) {
            double r = Math.sqrt(clamped[k]);
            for (int i = 0; i < d; i++) {
                double vik = vectors[i][k] * r;
                for (int j = 0; j < d; j++) {
                    root[i][j] += vik * vectors[j][k];
                }
            }
        }
        return root;
    }
}
