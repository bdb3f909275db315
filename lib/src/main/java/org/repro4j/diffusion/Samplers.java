package org.repro4j.diffusion;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.Check;

/**
 * Samplers, one static function each, in the style of k-diffusion (Crowson,
 * github.com/crowsonkb/k-diffusion): each takes a {@link Denoiser}, the starting batch {@code x}
 * ([n, d], not modified), the noise levels to step through and a {@link Step.Callback}, and returns
 * the samples. The noise levels {@code sigmas} decrease strictly from sigmas[0] > 0 (the level of
 * {@code x}) to a last level of at least 0 (0 for clean samples), as {@link Schedules#karras} and
 * {@link Schedules#spaced} make them; start from {@code x = sigmas[0] * noise}. Stochastic samplers
 * draw their noise from {@code random}, so the same seed gives the same samples.
 */
public final class Samplers {

    private Samplers() {
    }

    /**
     * Euler's method for the probability-flow ODE dx/dsigma = (x - D(x; sigma)) / sigma (Karras et al.
     * 2022, eq. 3 with sigma(t) = t; their Algorithm 1 without the second-order correction). First order.
     */
    public static INDArray euler(Denoiser denoiser, INDArray x, double[] sigmas, Step.Callback callback) {
        check(x, sigmas);
        for (int i = 0; i < sigmas.length - 1; i++) {
            INDArray denoised = denoiser.denoise(x, sigmas[i]);
            callback.accept(new Step(x, i, sigmas[i], denoised));
            x = towards(x, denoised, sigmas[i], sigmas[i + 1]);
        }
        return x;
    }

    /**
     * DDIM (Song et al. 2021, "Denoising Diffusion Implicit Models", eq. 12 with sigma_t(eta) of
     * eq. 16), written in VE coordinates: x' = D + sigma_down (x - D) / sigma + sigma_up * noise with
     * sigma_up = eta * sqrt(sigma'^2 (sigma^2 - sigma'^2) / sigma^2) and sigma_down = sqrt(sigma'^2 -
     * sigma_up^2). eta = 0 is deterministic and equals {@link #euler}; eta = 1 is DDPM's ancestral
     * sampler.
     *
     * @param eta    how much of the fresh noise of DDPM to inject, in [0, 1]
     * @param random source of the noise; unused when eta = 0
     */
    public static INDArray ddim(Denoiser denoiser, INDArray x, double[] sigmas, double eta, RandomGenerator random,
                                Step.Callback callback) {
        check(x, sigmas);
        if (!(eta >= 0 && eta <= 1)) {
            throw new IllegalArgumentException("eta: expected a value in [0, 1], got " + eta);
        }
        for (int i = 0; i < sigmas.length - 1; i++) {
            double sigma = sigmas[i];
            double to = sigmas[i + 1];
            INDArray denoised = denoiser.denoise(x, sigma);
            callback.accept(new Step(x, i, sigma, denoised));
            double up = eta * Math.sqrt(to * to * (sigma * sigma - to * to) / (sigma * sigma));
            double down = Math.sqrt(to * to - up * up);
            INDArray next = towards(x, denoised, sigma, down);
            x = up > 0 ? next.addi(noise(x, random).muli(up)) : next;
        }
        return x;
    }

    /**
     * DDPM's ancestral sampler (Ho et al. 2020, Algorithm 2) with the posterior variance beta-tilde:
     * each step draws x' from q(x' | x, x0 = D(x; sigma)) (their eq. 6-7), which in VE coordinates is
     * the Gaussian with mean D + (sigma'^2 / sigma^2) (x - D) and variance sigma'^2 (sigma^2 - sigma'^2) / sigma^2.
     * On the sub-sequence of {@link Schedules#spaced} it is the ancestral sampler of DDIM's section 4.2.
     */
    public static INDArray ddpm(Denoiser denoiser, INDArray x, double[] sigmas, RandomGenerator random,
                                Step.Callback callback) {
        check(x, sigmas);
        for (int i = 0; i < sigmas.length - 1; i++) {
            double ratio = sigmas[i + 1] * sigmas[i + 1] / (sigmas[i] * sigmas[i]);
            INDArray denoised = denoiser.denoise(x, sigmas[i]);
            callback.accept(new Step(x, i, sigmas[i], denoised));
            INDArray mean = x.sub(denoised).muli(ratio).addi(denoised);
            x = mean.addi(noise(x, random).muli(sigmas[i] * Math.sqrt(ratio * (1 - ratio))));
        }
        return x;
    }

    /**
     * Heun's second-order method with optional churn: Karras et al. 2022, Algorithm 2 (Algorithm 1,
     * deterministic, with {@link Churn#NONE}). The last step, to sigma = 0, is an Euler step.
     */
    public static INDArray heun(Denoiser denoiser, INDArray x, double[] sigmas, Churn churn, RandomGenerator random,
                                Step.Callback callback) {
        check(x, sigmas);
        int steps = sigmas.length - 1;
        for (int i = 0; i < steps; i++) {
            double gamma = sigmas[i] >= churn.sTmin() && sigmas[i] <= churn.sTmax()
                    ? Math.min(churn.sChurn() / steps, Math.sqrt(2) - 1) : 0;
            double hat = sigmas[i] * (1 + gamma);
            if (gamma > 0) {
                double spread = churn.sNoise() * Math.sqrt(hat * hat - sigmas[i] * sigmas[i]);
                x = x.add(noise(x, random).muli(spread));
            }
            double next = sigmas[i + 1];
            INDArray denoised = denoiser.denoise(x, hat);
            callback.accept(new Step(x, i, hat, denoised));
            INDArray euler = towards(x, denoised, hat, next);
            if (next > 0) {
                // Average the slopes (x - D) / sigma at both ends of the step.
                INDArray slope = x.sub(denoised).divi(hat).addi(euler.sub(denoiser.denoise(euler, next)).divi(next));
                euler = slope.muli((next - hat) / 2).addi(x);
            }
            x = euler;
        }
        return x;
    }

    /**
     * DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", Algorithm 2): a second-order multistep method
     * in lambda = -log sigma that reuses the previous step's denoised estimate. Its first step, and a
     * last step to sigma = 0, are first order.
     */
    public static INDArray dpmSolver2m(Denoiser denoiser, INDArray x, double[] sigmas, Step.Callback callback) {
        check(x, sigmas);
        INDArray previous = null;
        double previousH = 0;
        for (int i = 0; i < sigmas.length - 1; i++) {
            double next = sigmas[i + 1];
            INDArray denoised = denoiser.denoise(x, sigmas[i]);
            callback.accept(new Step(x, i, sigmas[i], denoised));
            double h = next > 0 ? Math.log(sigmas[i] / next) : Double.POSITIVE_INFINITY;
            // D_i + (D_i - D_{i-1}) / (2 r) with r = h_{i-1} / h_i: the second-order correction.
            INDArray mixed = previous == null || next == 0
                    ? denoised : denoised.sub(previous).muli(h / (2 * previousH)).addi(denoised);
            x = towards(x, mixed, sigmas[i], next);
            previous = denoised;
            previousH = h;
        }
        return x;
    }

    /**
     * Multistep consistency sampling (Song et al. 2023, "Consistency Models", Algorithm 1): x0 =
     * f(x; sigmas[0]), then for every later level tau: x0 = f(x0 + sqrt(tau^2 - sigmaMin^2) * noise; tau).
     * Here {@code consistency} is the consistency function f, and {@code sigmas} are sigma_max followed
     * by the decreasing levels tau_1 > tau_2 > ... (one level is one-step sampling).
     *
     * @param sigmaMin the consistency model's epsilon, the level at which f is the identity; below every tau
     */
    public static INDArray consistency(Denoiser consistency, INDArray x, double[] sigmas, double sigmaMin,
                                       RandomGenerator random, Step.Callback callback) {
        check(x, sigmas.length == 1 ? new double[] {sigmas[0], 0} : sigmas);
        if (!(sigmaMin >= 0 && sigmaMin < sigmas[sigmas.length - 1])) {
            throw new IllegalArgumentException("sigmaMin: expected a value in [0, " + sigmas[sigmas.length - 1]
                    + "), got " + sigmaMin);
        }
        for (int i = 0; i < sigmas.length; i++) {
            if (i > 0) {
                x = x.add(noise(x, random).muli(Math.sqrt(sigmas[i] * sigmas[i] - sigmaMin * sigmaMin)));
            }
            INDArray denoised = consistency.denoise(x, sigmas[i]);
            callback.accept(new Step(x, i, sigmas[i], denoised));
            x = denoised;
        }
        return x;
    }

    /**
     * The probability-flow ODE dx/dt = b(t, x) of the {@link Interpolant} (Albergo et al. 2023),
     * solved with Heun's method from times[0] to the last time. {@code x} is the state at times[0],
     * (1 - t0) noise for a small t0. Second order.
     *
     * @param times strictly increasing times in (0, 1]; the drift is evaluated only below 1
     */
    public static INDArray interpolantOde(Denoiser denoiser, INDArray x, double[] times, Step.Callback callback) {
        checkTimes(x, times);
        for (int i = 0; i < times.length - 1; i++) {
            double t = times[i];
            double dt = times[i + 1] - t;
            INDArray denoised = Interpolant.denoised(denoiser, x, t);
            callback.accept(new Step(x, i, Interpolant.sigma(t), denoised));
            INDArray velocity = Interpolant.velocity(x, denoised, t);
            INDArray euler = velocity.mul(dt).addi(x);
            if (times[i + 1] < 1) {
                INDArray end = Interpolant.velocity(euler, Interpolant.denoised(denoiser, euler, times[i + 1]), times[i + 1]);
                euler = velocity.addi(end).muli(dt / 2).addi(x);
            }
            x = euler;
        }
        return x;
    }

    /**
     * The forward SDE dX = (b + eps s)(t, X) dt + sqrt(2 eps) dW of the {@link Interpolant} (Albergo et
     * al. 2023), which has the same marginals as the ODE for every eps, solved with Euler-Maruyama.
     * The velocity b comes from {@code forVelocity} and the score s from {@code forScore}: the paper
     * learns them as two networks (pass one exact denoiser twice to use a single model). A last step
     * to t = 1 is an Euler step of the ODE without noise, which lands on the velocity's estimate of
     * E[x1 | x_t] (the score of a one-sided interpolant, -E[z | x_t] / (1 - t), is singular at t = 1, and
     * noise added in a last step would never be corrected; DDPM's ancestral sampler also ends without noise).
     *
     * @param eps   the diffusion coefficient, at least 0 (0 gives Euler's method for the ODE)
     * @param times strictly increasing times in (0, 1]; the drift is evaluated only below 1
     */
    public static INDArray interpolantSde(Denoiser forVelocity, Denoiser forScore, INDArray x, double[] times, double eps,
                                          RandomGenerator random, Step.Callback callback) {
        checkTimes(x, times);
        Check.nonNegative("eps", eps);
        for (int i = 0; i < times.length - 1; i++) {
            double t = times[i];
            double dt = times[i + 1] - t;
            INDArray denoised = Interpolant.denoised(forVelocity, x, t);
            callback.accept(new Step(x, i, Interpolant.sigma(t), denoised));
            INDArray velocity = Interpolant.velocity(x, denoised, t);
            if (times[i + 1] == 1) {
                x = velocity.muli(dt).addi(x);
                continue;
            }
            INDArray score = Interpolant.score(x, Interpolant.denoised(forScore, x, t), t);
            x = velocity.addi(score.muli(eps)).muli(dt).addi(x).addi(noise(x, random).muli(Math.sqrt(2 * eps * dt)));
        }
        return x;
    }

    /**
     * Stochasticity of {@link #heun} (Karras et al. 2022, Algorithm 2): at levels in [sTmin, sTmax]
     * the level is raised by the factor 1 + min(sChurn / steps, sqrt(2) - 1) with fresh noise of scale
     * sNoise before the step.
     *
     * @param sChurn total churn, at least 0 (0 is the deterministic Algorithm 1)
     * @param sTmin  lowest noise level that gets churn
     * @param sTmax  highest noise level that gets churn
     * @param sNoise scale of the added noise, at least 0 (the paper uses 1 to 1.007)
     */
    public record Churn(double sChurn, double sTmin, double sTmax, double sNoise) {

        /** No churn: Algorithm 1. */
        public static final Churn NONE = new Churn(0, 0, Double.POSITIVE_INFINITY, 1);

        public Churn {
            if (!(sChurn >= 0)) {
                throw new IllegalArgumentException("sChurn: expected at least 0, got " + sChurn);
            }
            if (!(sNoise >= 0)) {
                throw new IllegalArgumentException("sNoise: expected at least 0, got " + sNoise);
            }
        }
    }

    /** The point at level {@code to} on the straight line from {@code denoised} through x at level {@code from}. */
    private static INDArray towards(INDArray x, INDArray denoised, double from, double to) {
        return x.sub(denoised).muli(to / from).addi(denoised);
    }

    /** Standard normal noise shaped and typed like {@code x}. */
    private static INDArray noise(INDArray x, RandomGenerator random) {
        return Batches.gaussian(x.shape(), x.dataType(), random);
    }

    private static void checkBatch(INDArray x) {
        if (x.rank() != 2) {
            throw new IllegalArgumentException("x: expected a batch of shape [n, d], got shape " + Arrays.toString(x.shape()));
        }
    }

    private static void check(INDArray x, double[] sigmas) {
        checkBatch(x);
        if (sigmas.length < 2) {
            throw new IllegalArgumentException("sigmas: expected at least 2 noise levels (1 step), got " + sigmas.length);
        }
        Check.positive("sigmas[0]", sigmas[0]);
        for (int i = 1; i < sigmas.length; i++) {
            if (!(sigmas[i] >= 0 && sigmas[i] < sigmas[i - 1])) {
                throw new IllegalArgumentException("sigmas[" + i + "]: expected a value in [0, " + sigmas[i - 1]
                        + ") (decreasing), got " + sigmas[i]);
            }
        }
    }

    private static void checkTimes(INDArray x, double[] times) {
        checkBatch(x);
        if (times.length < 2) {
            throw new IllegalArgumentException("times: expected at least 2 times (1 step), got " + times.length);
        }
        for (int i = 0; i < times.length; i++) {
            double low = i == 0 ? 0 : times[i - 1];
            if (!(times[i] > low && times[i] <= 1)) {
                throw new IllegalArgumentException("times[" + i + "]: expected a value in (" + low + ", 1] (increasing), got " + times[i]);
            }
        }
    }
}
