package org.repro4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class InterpolantTest {

    static final GaussianMixture MIXTURE = SamplersTest.MIXTURE;

    /**
     * For x_t = (1 - t) z + t x1 with x1 from component k, x_t ~ N(t mu_k, V_k), V_k = t^2 s_k^2 + (1 - t)^2,
     * so the score is sum_k r_k (t mu_k - x) / V_k and the velocity E[x1 - z | x] is
     * sum_k r_k (mu_k + (t s_k^2 - (1 - t)) (x - t mu_k) / V_k), r_k the responsibilities under these Gaussians.
     */
    @Test
    void driftsFromTheExactDenoiserEqualTheirClosedFormsForAGaussianMixture() {
        INDArray x = MIXTURE.sample(50, new SplittableRandom(1)).muli(0.7).addi(0.3);
        for (double t : new double[] {0.05, 0.3, 0.7, 0.95}) {
            INDArray denoised = Interpolant.denoised(MIXTURE, x, t);
            double[][] velocity = Interpolant.velocity(x, denoised, t).toDoubleMatrix();
            double[][] score = Interpolant.score(x, denoised, t).toDoubleMatrix();
            double[][] points = x.toDoubleMatrix();
            for (int i = 0; i < points.length; i++) {
                double[] r = new double[2];
                double norm = 0;
                for (int k = 0; k < 2; k++) {
                    r[k] = MIXTURE.weights()[k];
                    for (int j = 0; j < 2; j++) {
                        double v = variance(t, k, j);
                        double d = points[i][j] - t * MIXTURE.means()[k][j];
                        r[k] *= Math.exp(-d * d / (2 * v)) / Math.sqrt(2 * Math.PI * v);
                    }
                    norm += r[k];
                }
                for (int j = 0; j < 2; j++) {
                    double b = 0;
                    double s = 0;
                    for (int k = 0; k < 2; k++) {
                        double v = variance(t, k, j);
                        double d = points[i][j] - t * MIXTURE.means()[k][j];
                        double sk2 = MIXTURE.stds()[k][j] * MIXTURE.stds()[k][j];
                        b += r[k] / norm * (MIXTURE.means()[k][j] + (t * sk2 - (1 - t)) * d / v);
                        s += r[k] / norm * (-d / v);
                    }
                    assertEquals(b, velocity[i][j], 1e-9, "velocity at t = " + t);
                    assertEquals(s, score[i][j], 1e-9, "score at t = " + t);
                }
            }
        }
    }

    private static double variance(double t, int k, int j) {
        double s = MIXTURE.stds()[k][j];
        return t * t * s * s + (1 - t) * (1 - t);
    }

    @Test
    void timeAndSigmaRoundTrip() {
        for (double t : new double[] {1e-3, 0.25, 0.5, 0.999, 1}) {
            assertEquals(t, Interpolant.time(Interpolant.sigma(t)), 1e-15);
        }
        assertEquals(1, Interpolant.sigma(0.5));
    }

    @Test
    void aVelocityErrorAddsExactlyTheFieldToTheVelocityAndNothingElse() {
        INDArray x = MIXTURE.sample(20, new SplittableRandom(2)).muli(0.6);
        Interpolant.Field rotation = Interpolant.rotation(0.7);
        Denoiser perturbed = Interpolant.withVelocityError(MIXTURE, rotation);
        for (double t : new double[] {0.1, 0.5, 0.9}) {
            INDArray exact = Interpolant.velocity(x, Interpolant.denoised(MIXTURE, x, t), t);
            INDArray wrong = Interpolant.velocity(x, Interpolant.denoised(perturbed, x, t), t);
            INDArray error = wrong.sub(exact);
            double[][] e = error.toDoubleMatrix();
            double[][] p = x.toDoubleMatrix();
            for (int i = 0; i < p.length; i++) {
                assertEquals(-0.7 * p[i][1], e[i][0], 1e-9, "t = " + t);
                assertEquals(0.7 * p[i][0], e[i][1], 1e-9, "t = " + t);
            }
        }
    }
}
