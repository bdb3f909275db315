package org.repro4j.diffusion;

import org.repro4j.Check;

/**
 * Noise schedules as plain functions. Every sampler and {@link Denoiser} in this package works in
 * the variance-exploding (VE) form x = x0 + sigma * noise; a variance-preserving (VP) process
 * z = sqrt(abar) x0 + sqrt(1 - abar) noise (Ho et al. 2020, eq. 4) is the same process scaled,
 * z = sqrt(abar) x, with sigma = sqrt((1 - abar) / abar) (Karras et al. 2022, "Elucidating the
 * Design Space of Diffusion-Based Generative Models", eq. 4 and Table 1; Song et al. 2021, DDIM,
 * eq. 23). A discrete schedule is its array of alpha-bars, entry i for timestep i + 1.
 */
public final class Schedules {

    private Schedules() {
    }

    /**
     * The linear variance schedule of DDPM (Ho et al. 2020, section 4: T = 1000, beta from 1e-4 to 0.02).
     *
     * @param steps number of timesteps T, at least 1
     * @param first beta_1, in (0, 1)
     * @param last  beta_T, in (0, 1)
     */
    public static double[] linearBetas(int steps, double first, double last) {
        checkSteps(steps);
        checkProbability("first", first);
        checkProbability("last", last);
        double[] betas = new double[steps];
        for (int i = 0; i < steps; i++) {
            betas[i] = steps == 1 ? first : first + (last - first) * i / (steps - 1);
        }
        return betas;
    }

    /** The alpha-bars of a variance schedule, abar_t = prod_{s <= t} (1 - beta_s) (Ho et al. 2020, eq. 4). */
    public static double[] alphaBars(double[] betas) {
        double[] alphaBars = new double[betas.length];
        double product = 1;
        for (int i = 0; i < betas.length; i++) {
            checkProbability("betas[" + i + "]", betas[i]);
            product *= 1 - betas[i];
            alphaBars[i] = product;
        }
        return alphaBars;
    }

    /**
     * The cosine schedule of Nichol and Dhariwal 2021 ("Improved DDPM", eq. 17):
     * abar_t = f(t) / f(0) with f(t) = cos^2((t / T + s) / (1 + s) * pi / 2), its betas clipped at 0.999
     * as the paper does to avoid the singularity at t = T.
     *
     * @param steps  number of timesteps T, at least 1
     * @param offset s, 0.008 in the paper, at least 0
     */
    public static double[] cosineAlphaBars(int steps, double offset) {
        checkSteps(steps);
        Check.nonNegative("offset", offset);
        double[] betas = new double[steps];
        for (int t = 1; t <= steps; t++) {
            double beta = 1 - cosineF(t, steps, offset) / cosineF(t - 1, steps, offset);
            betas[t - 1] = Math.min(beta, 0.999);
        }
        return alphaBars(betas);
    }

    private static double cosineF(int t, int steps, double offset) {
        double c = Math.cos(((double) t / steps + offset) / (1 + offset) * Math.PI / 2);
        return c * c;
    }

    /** The VE noise level of a VP alpha-bar: sigma = sqrt((1 - abar) / abar). */
    public static double sigma(double alphaBar) {
        if (!(alphaBar > 0 && alphaBar <= 1)) {
            throw new IllegalArgumentException("alphaBar: expected a value in (0, 1], got " + alphaBar);
        }
        return Math.sqrt((1 - alphaBar) / alphaBar);
    }

    /** The VP alpha-bar of a VE noise level: abar = 1 / (1 + sigma^2). */
    public static double alphaBar(double sigma) {
        Check.nonNegative("sigma", sigma);
        return 1 / (1 + sigma * sigma);
    }

    /**
     * The noise levels of Karras et al. 2022, eq. 5: sigma_i = (sigma_max^(1/rho) + i / (N - 1)
     * (sigma_min^(1/rho) - sigma_max^(1/rho)))^rho for i = 0..N-1, then sigma_N = 0, so N steps.
     * The paper's defaults are sigma_min 0.002, sigma_max 80, rho 7.
     *
     * @param steps number of steps N, at least 1 (with 1 step the grid is sigma_max, 0)
     */
    public static double[] karras(int steps, double sigmaMin, double sigmaMax, double rho) {
        checkSteps(steps);
        if (!(sigmaMin > 0) || !(sigmaMax >= sigmaMin) || Double.isInfinite(sigmaMax)) {
            throw new IllegalArgumentException("sigmaMin, sigmaMax: expected 0 < sigmaMin <= sigmaMax < infinity, got "
                    + sigmaMin + ", " + sigmaMax);
        }
        if (!(rho > 0)) {
            throw new IllegalArgumentException("rho: expected a positive value, got " + rho);
        }
        double[] sigmas = new double[steps + 1];
        double hi = Math.pow(sigmaMax, 1 / rho);
        double lo = Math.pow(sigmaMin, 1 / rho);
        for (int i = 0; i < steps; i++) {
            sigmas[i] = steps == 1 ? sigmaMax : Math.pow(hi + (double) i / (steps - 1) * (lo - hi), rho);
        }
        return sigmas;
    }

    /**
     * The noise levels of {@code steps} evenly spaced timesteps of a discrete schedule, from the last
     * timestep down to the first, then 0: the sub-sequence tau of DDIM (Song et al. 2021, section 4.2,
     * "linear" selection) on which DDIM and DDPM sample with a model trained on all T timesteps.
     *
     * @param steps number of steps, from 1 to T
     */
    public static double[] spaced(double[] alphaBars, int steps) {
        checkSteps(steps);
        if (steps > alphaBars.length) {
            throw new IllegalArgumentException("steps: expected at most the " + alphaBars.length
                    + " timesteps of the schedule, got " + steps);
        }
        double[] sigmas = new double[steps + 1];
        for (int i = 0; i < steps; i++) {
            double t = steps == 1 ? alphaBars.length - 1 : (alphaBars.length - 1) * (1 - (double) i / (steps - 1));
            sigmas[i] = sigma(alphaBars[(int) Math.round(t)]);
        }
        return sigmas;
    }

    /**
     * The fractional timestep index (0 for timestep 1, T - 1 for timestep T) whose noise level is
     * {@code sigma}, interpolating linearly in log sigma between timesteps and clamped to [0, T - 1]
     * outside the schedule's range: the c_noise of a network trained on discrete timesteps (Karras et
     * al. 2022, Table 1, "VP" and "iDDPM" columns).
     */
    public static double time(double[] alphaBars, double sigma) {
        Check.positive("sigma", sigma);
        double logSigma = Math.log(sigma);
        if (logSigma <= logSigma(alphaBars, 0)) {
            return 0;
        }
        int last = alphaBars.length - 1;
        if (logSigma > logSigma(alphaBars, last)) {
            return last;
        }
        // the first i with logSigma <= log sigma_i, by bisection (sigma grows with i as alpha-bar falls): a sampler
        // or a training batch asks once a row, and a scan of T = 1,000 levels cost about 15 us a call
        int low = 0, high = last;   // log sigma_low < logSigma <= log sigma_high
        while (high - low > 1) {
            int mid = (low + high) >>> 1;
            if (logSigma <= logSigma(alphaBars, mid)) {
                high = mid;
            } else {
                low = mid;
            }
        }
        double previous = logSigma(alphaBars, high - 1), next = logSigma(alphaBars, high);
        return high - 1 + (logSigma - previous) / (next - previous);
    }

    private static double logSigma(double[] alphaBars, int i) {
        return Math.log(sigma(alphaBars[i]));
    }

    /** The noise level at fractional timestep index {@code t} in [0, T - 1], the inverse of {@link #time}. */
    public static double sigmaAt(double[] alphaBars, double t) {
        if (!(t >= 0 && t <= alphaBars.length - 1)) {
            throw new IllegalArgumentException("t: expected a timestep index in [0, " + (alphaBars.length - 1) + "], got " + t);
        }
        int i = Math.min((int) t, alphaBars.length - 2);
        if (i < 0) {
            return sigma(alphaBars[0]);
        }
        double lo = Math.log(sigma(alphaBars[i]));
        double hi = Math.log(sigma(alphaBars[i + 1]));
        return Math.exp(lo + (t - i) * (hi - lo));
    }

    private static void checkSteps(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps: expected at least 1, got " + steps);
        }
    }

    private static void checkProbability(String field, double value) {
        if (!(value > 0 && value < 1)) {
            throw new IllegalArgumentException(field + ": expected a value in (0, 1), got " + value);
        }
    }
}
