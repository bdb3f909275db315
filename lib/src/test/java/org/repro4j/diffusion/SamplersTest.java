package org.repro4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SamplersTest {

    /** Data N(mu, diag(s^2)) with unequal scales, so a sampler that mixes up coordinates fails. */
    static final GaussianMixture GAUSSIAN = GaussianMixture.gaussian(new double[] {1, -2}, new double[] {0.5, 2});
    /**
     * Two overlapping components, whose probability-flow ODE is nonlinear but has no points so near
     * the boundary between modes that a coarse solve sends them to the other mode.
     */
    static final GaussianMixture MIXTURE = new GaussianMixture(new double[] {0.3, 0.7},
            new double[][] {{-1, 0}, {1, 0.5}}, new double[][] {{0.6, 0.8}, {0.7, 0.5}});
    static final double SIGMA_MAX = 80;
    static final int N = 20_000;

    /** n points of sigma * N(0, I) in double precision. */
    static INDArray noise(int n, double sigma, long seed) {
        return GaussianMixture.gaussian(new double[] {0, 0}, new double[] {sigma, sigma}).sample(n, new SplittableRandom(seed));
    }

    static double[] karras(int steps) {
        return Schedules.karras(steps, 0.002, SIGMA_MAX, 7);
    }

    /** Times from t0 = 1e-3 to 1, evenly spaced. */
    static double[] times(int steps) {
        double[] times = new double[steps + 1];
        for (int i = 0; i <= steps; i++) {
            times[i] = 1e-3 + (1 - 1e-3) * i / steps;
        }
        return times;
    }

    /**
     * Asserts that the sample mean and covariance of {@code x} match those of {@code data} within
     * {@code k} Monte Carlo standard errors (s / sqrt(n) for a mean, s_i s_j sqrt(2 / n) for a
     * covariance) plus {@code bias} times the data's standard deviation for the discretisation.
     */
    static void assertMoments(GaussianMixture data, INDArray x, double k, double bias, String what) {
        double n = x.rows();
        double[] mean = x.mean(0).toDoubleVector();
        INDArray centred = x.subRowVector(x.mean(0));
        double[][] cov = centred.transpose().mmul(centred).divi(n - 1).toDoubleMatrix();
        double[] trueMean = data.mean();
        double[][] trueCov = data.covariance();
        for (int i = 0; i < 2; i++) {
            double s = Math.sqrt(trueCov[i][i]);
            assertEquals(trueMean[i], mean[i], k * s / Math.sqrt(n) + bias * s, what + ": mean[" + i + "]");
            for (int j = 0; j < 2; j++) {
                double scale = s * Math.sqrt(trueCov[j][j]);
                assertEquals(trueCov[i][j], cov[i][j], k * scale * Math.sqrt(2 / n) + 2 * bias * scale,
                        what + ": covariance[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void deterministicSamplersReachTheMeanAndCovarianceOfGaussianData() {
        INDArray xT = noise(N, SIGMA_MAX, 1);
        var none = Step.Callback.NONE;
        assertMoments(GAUSSIAN, Samplers.euler(GAUSSIAN, xT, karras(256), none), 4, 0.01, "euler");
        assertMoments(GAUSSIAN, Samplers.ddim(GAUSSIAN, xT, karras(256), 0, null, none), 4, 0.01, "ddim");
        assertMoments(GAUSSIAN, Samplers.heun(GAUSSIAN, xT, karras(64), Samplers.Churn.NONE, null, none), 4, 0.005, "heun");
        assertMoments(GAUSSIAN, Samplers.dpmSolver2m(GAUSSIAN, xT, karras(64), none), 4, 0.005, "dpm-solver++(2m)");
        INDArray z = noise(N, 1 - 1e-3, 1);
        assertMoments(GAUSSIAN, Samplers.interpolantOde(GAUSSIAN, z, times(64), none), 4, 0.005, "interpolant ode");
    }

    @Test
    void tooFewStepsMissTheCovarianceSoTheMomentCheckCanFail() {
        INDArray x = Samplers.euler(GAUSSIAN, noise(N, SIGMA_MAX, 1), karras(4), Step.Callback.NONE);
        assertThrows(AssertionError.class, () -> assertMoments(GAUSSIAN, x, 4, 0.01, "euler, 4 steps"));
    }

    @Test
    void stochasticSamplersReachTheMeanAndCovarianceOfGaussianData() {
        INDArray xT = noise(N, SIGMA_MAX, 3);
        var none = Step.Callback.NONE;
        assertMoments(GAUSSIAN, Samplers.ddpm(GAUSSIAN, xT, karras(256), new SplittableRandom(4), none), 4, 0.02, "ddpm");
        var churn = new Samplers.Churn(40, 0.05, 50, 1.003);
        assertMoments(GAUSSIAN, Samplers.heun(GAUSSIAN, xT, karras(64), churn, new SplittableRandom(5), none), 4, 0.02, "heun, churn");
        INDArray z = noise(N, 1 - 1e-3, 6);
        assertMoments(GAUSSIAN, Samplers.interpolantSde(GAUSSIAN, GAUSSIAN, z, times(256), 0.5, new SplittableRandom(7), none),
                4, 0.02, "interpolant sde");
    }

    /** The Gaussian's probability-flow ODE has the solution x(sigma) = mu + (x_T - mu) sqrt((s^2 + sigma^2) / (s^2 + sigma_T^2)). */
    @Test
    void heunFollowsTheExactProbabilityFlowOfGaussianData() {
        double end = 0.05;
        INDArray xT = noise(100, SIGMA_MAX, 8);
        double[] sigmas = Arrays.copyOf(Schedules.karras(257, end, SIGMA_MAX, 7), 257);
        INDArray x = Samplers.heun(GAUSSIAN, xT, sigmas, Samplers.Churn.NONE, null, Step.Callback.NONE);
        double[] mu = GAUSSIAN.mean();
        double[][] s = GAUSSIAN.stds();
        for (int j = 0; j < 2; j++) {
            double factor = Math.sqrt((s[0][j] * s[0][j] + end * end) / (s[0][j] * s[0][j] + SIGMA_MAX * SIGMA_MAX));
            INDArray exact = xT.getColumn(j).sub(mu[j]).muli(factor).addi(mu[j]);
            assertEquals(0, exact.sub(x.getColumn(j)).amaxNumber().doubleValue(), 1e-3 * s[0][j], "column " + j);
        }
    }

    /**
     * The error of the final sample against a 2048-step Heun solve of the same ODE from the same x_T,
     * on the nonlinear ODE of a Gaussian mixture from sigma 80 to 0.05: log error against log steps
     * falls with the slope of each solver's order.
     */
    @Test
    void errorFallsAtTheSolversOrder() {
        INDArray xT = noise(100, SIGMA_MAX, 9);
        Function<Integer, double[]> grid = steps -> Arrays.copyOf(Schedules.karras(steps + 1, 0.05, SIGMA_MAX, 7), steps + 1);
        INDArray reference = Samplers.heun(MIXTURE, xT, grid.apply(2048), Samplers.Churn.NONE, null, Step.Callback.NONE);
        int[] steps = {16, 32, 64, 128};
        double euler = order(steps, n -> Samplers.euler(MIXTURE, xT, grid.apply(n), Step.Callback.NONE), reference);
        double heun = order(steps, n -> Samplers.heun(MIXTURE, xT, grid.apply(n), Samplers.Churn.NONE, null, Step.Callback.NONE), reference);
        double dpm = order(steps, n -> Samplers.dpmSolver2m(MIXTURE, xT, grid.apply(n), Step.Callback.NONE), reference);
        System.out.printf("measured orders: euler %.3f, heun %.3f, dpm-solver++(2m) %.3f%n", euler, heun, dpm);
        assertEquals(1, euler, 0.15, "euler");
        assertEquals(2, heun, 0.25, "heun");
        assertEquals(2, dpm, 0.25, "dpm-solver++(2m)");
    }

    /** Minus the least-squares slope of log(max error) against log(steps). */
    private static double order(int[] steps, Function<Integer, INDArray> solve, INDArray reference) {
        double[] logN = new double[steps.length];
        double[] logError = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            logN[i] = Math.log(steps[i]);
            logError[i] = Math.log(solve.apply(steps[i]).sub(reference).amaxNumber().doubleValue());
        }
        double meanN = Arrays.stream(logN).average().orElseThrow();
        double meanE = Arrays.stream(logError).average().orElseThrow();
        double num = 0;
        double den = 0;
        for (int i = 0; i < steps.length; i++) {
            num += (logN[i] - meanN) * (logError[i] - meanE);
            den += (logN[i] - meanN) * (logN[i] - meanN);
        }
        return -num / den;
    }

    @Test
    void ddimWithEtaZeroIsEuler() {
        INDArray xT = noise(50, SIGMA_MAX, 10);
        INDArray euler = Samplers.euler(MIXTURE, xT, karras(10), Step.Callback.NONE);
        INDArray ddim = Samplers.ddim(MIXTURE, xT, karras(10), 0, new SplittableRandom(1), Step.Callback.NONE);
        assertEquals(0, euler.sub(ddim).amaxNumber().doubleValue(), 1e-12);
    }

    /** Song et al. 2021, section 4.1: eta = 1 makes the generative process DDPM's. 10 steps, so both differ from the data. */
    @Test
    void ddimWithEtaOneMatchesDdpmInDistribution() {
        double[] sigmas = Schedules.spaced(Schedules.alphaBars(Schedules.linearBetas(1000, 1e-4, 0.02)), 10);
        INDArray ddim = Samplers.ddim(GAUSSIAN, noise(N, sigmas[0], 11), sigmas, 1, new SplittableRandom(12), Step.Callback.NONE);
        INDArray ddpm = Samplers.ddpm(GAUSSIAN, noise(N, sigmas[0], 13), sigmas, new SplittableRandom(14), Step.Callback.NONE);
        double[] m1 = ddim.mean(0).toDoubleVector();
        double[] m2 = ddpm.mean(0).toDoubleVector();
        double[] v1 = ddim.var(0).toDoubleVector();
        double[] v2 = ddpm.var(0).toDoubleVector();
        double[] s2 = {0.25, 4};
        for (int j = 0; j < 2; j++) {
            assertEquals(m1[j], m2[j], 5 * Math.sqrt(2 * s2[j] / N), "mean[" + j + "]");
            assertEquals(v1[j], v2[j], 5 * s2[j] * Math.sqrt(4.0 / N), "variance[" + j + "]");
        }
        INDArray eta0 = Samplers.ddim(GAUSSIAN, noise(N, sigmas[0], 11), sigmas, 0, null, Step.Callback.NONE);
        assertTrue(Math.abs(eta0.var(0).getDouble(1) - v1[1]) > 0.1, "eta = 0 and eta = 1 differ at 10 steps");
    }

    @Test
    void sameSeedGivesTheSameSamplesAndAnotherSeedDoesNot() {
        INDArray xT = noise(20, SIGMA_MAX, 15).castTo(DataType.FLOAT);
        List<Function<Long, INDArray>> samplers = List.of(
                seed -> Samplers.ddpm(MIXTURE, xT, karras(8), new SplittableRandom(seed), Step.Callback.NONE),
                seed -> Samplers.ddim(MIXTURE, xT, karras(8), 0.5, new SplittableRandom(seed), Step.Callback.NONE),
                seed -> Samplers.heun(MIXTURE, xT, karras(8), new Samplers.Churn(10, 0, 100, 1), new SplittableRandom(seed), Step.Callback.NONE),
                seed -> Samplers.consistency(MIXTURE, xT, new double[] {SIGMA_MAX, 1, 0.1}, 0.002, new SplittableRandom(seed), Step.Callback.NONE),
                seed -> Samplers.interpolantSde(MIXTURE, MIXTURE, xT.div(SIGMA_MAX), times(8), 0.5, new SplittableRandom(seed), Step.Callback.NONE));
        for (var sampler : samplers) {
            INDArray a = sampler.apply(1L);
            assertEquals(DataType.FLOAT, a.dataType());
            assertEquals(a, sampler.apply(1L));
            assertNotEquals(a, sampler.apply(2L));
        }
    }

    /** The SDE's last step to t = 1 draws no noise: it lands on the velocity's estimate of the data, as the ODE's Euler step does. */
    @Test
    void theInterpolantSdesLastStepToTimeOneIsTheNoiselessEulerStep() {
        INDArray x = noise(50, 1, 21);
        double[] times = {0.9, 1};
        INDArray a = Samplers.interpolantSde(MIXTURE, MIXTURE, x, times, 0.5, new SplittableRandom(1), Step.Callback.NONE);
        INDArray b = Samplers.interpolantSde(MIXTURE, MIXTURE, x, times, 0.5, new SplittableRandom(2), Step.Callback.NONE);
        assertEquals(a, b);
        assertEquals(0, a.sub(Interpolant.denoised(MIXTURE, x, 0.9)).amaxNumber().doubleValue(), 1e-12);
    }

    @Test
    void theCallbackSeesEveryStepInOrder() {
        List<Step> steps = new ArrayList<>();
        double[] sigmas = karras(5);
        INDArray x = Samplers.dpmSolver2m(MIXTURE, noise(3, SIGMA_MAX, 16), sigmas, steps::add);
        assertEquals(5, steps.size());
        for (int i = 0; i < 5; i++) {
            assertEquals(i, steps.get(i).i());
            assertEquals(sigmas[i], steps.get(i).sigma());
        }
        assertEquals(x, steps.get(4).denoised(), "the last step to sigma = 0 returns the denoised estimate");
    }

    /** With the exact consistency function of Gaussian data, one step and two steps both give the data's distribution. */
    @Test
    void consistencySamplingWithTheExactConsistencyFunctionGivesTheData() {
        double eps = 0.002;
        double[] mu = GAUSSIAN.mean();
        double[][] s = GAUSSIAN.stds();
        // f(x, sigma) = the probability-flow solution at sigma = eps: mu + (x - mu) sqrt((s^2 + eps^2) / (s^2 + sigma^2)).
        Denoiser f = (x, sigma) -> {
            INDArray out = x.dup();
            for (int j = 0; j < 2; j++) {
                double factor = Math.sqrt((s[0][j] * s[0][j] + eps * eps) / (s[0][j] * s[0][j] + sigma * sigma));
                out.getColumn(j).subi(mu[j]).muli(factor).addi(mu[j]);
            }
            return out;
        };
        INDArray xT = noise(N, SIGMA_MAX, 17).addRowVector(Nd4j.createFromArray(mu));
        assertMoments(GAUSSIAN, Samplers.consistency(f, xT, new double[] {SIGMA_MAX}, eps, null, Step.Callback.NONE),
                4, 0.001, "one step");
        assertMoments(GAUSSIAN, Samplers.consistency(f, xT, new double[] {SIGMA_MAX, 0.8}, eps, new SplittableRandom(18),
                Step.Callback.NONE), 4, 0.001, "two steps");
    }

    @Test
    void badInputsAreRejectedNamingTheField() {
        INDArray x = noise(4, SIGMA_MAX, 19);
        var none = Step.Callback.NONE;
        var e = assertThrows(IllegalArgumentException.class, () -> Samplers.euler(MIXTURE, x, new double[] {80}, none));
        assertEquals("sigmas: expected at least 2 noise levels (1 step), got 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Samplers.euler(MIXTURE, x, new double[] {0, 0}, none));
        assertEquals("sigmas[0]: expected a finite number above 0, got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Samplers.heun(MIXTURE, x, new double[] {80, 1, 2, 0}, Samplers.Churn.NONE, null, none));
        assertEquals("sigmas[2]: expected a value in [0, 1.0) (decreasing), got 2.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Samplers.euler(MIXTURE, x.reshape(2, 2, 2), karras(2), none));
        assertEquals("x: expected a batch of shape [n, d], got shape [2, 2, 2]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Samplers.euler(MIXTURE, Nd4j.zeros(DataType.DOUBLE, 4, 3), karras(2), none));
        assertEquals("x: expected shape [n, 2], got [4, 3]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Samplers.ddim(MIXTURE, x, karras(2), 1.5, new SplittableRandom(1), none));
        assertEquals("eta: expected a value in [0, 1], got 1.5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Samplers.interpolantSde(MIXTURE, MIXTURE, x, times(4), -1, new SplittableRandom(1), none));
        assertEquals("eps: expected a finite number of at least 0, got -1.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Samplers.interpolantOde(MIXTURE, x, new double[] {0, 1}, none));
        assertEquals("times[0]: expected a value in (0.0, 1] (increasing), got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Samplers.consistency(MIXTURE, x, new double[] {80, 0.001}, 0.002, null, none));
        assertEquals("sigmaMin: expected a value in [0, 0.001), got 0.002", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Samplers.Churn(-1, 0, 1, 1));
        assertEquals("sChurn: expected at least 0, got -1.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MIXTURE.denoise(x, 0));
        assertEquals("sigma: expected a finite number above 0, got 0.0", e.getMessage());
    }
}
