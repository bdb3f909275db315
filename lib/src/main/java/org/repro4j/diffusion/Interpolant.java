package org.repro4j.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one-sided linear stochastic interpolant x_t = (1 - t) z + t x1 between Gaussian noise z at
 * t = 0 and data x1 at t = 1 (Albergo, Boffi and Vanden-Eijnden 2023, "Stochastic Interpolants: A
 * Unifying Framework for Flows and Diffusions", a one-sided interpolant with alpha(t) = 1 - t, beta(t) = t), and
 * its drifts in terms of a {@link Denoiser}. Dividing by t gives x_t / t = x1 + sigma z with
 * sigma = (1 - t) / t, so E[x1 | x_t] = D(x_t / t; (1 - t) / t), and from x_t = (1 - t) E[z | x_t] + t E[x1 | x_t]:
 * <ul>
 * <li>velocity b(t, x) = E[x1 - z | x_t = x] = (E[x1 | x] - x) / (1 - t) (their velocity b),</li>
 * <li>score s(t, x) = -E[z | x_t = x] / (1 - t) = (t E[x1 | x] - x) / (1 - t)^2 (their score s).</li>
 * </ul>
 */
public final class Interpolant {

    private Interpolant() {
    }

    /** The VE noise level (1 - t) / t of time t. */
    public static double sigma(double t) {
        return (1 - t) / t;
    }

    /** The time t = 1 / (1 + sigma) of a VE noise level, the inverse of {@link #sigma}. */
    public static double time(double sigma) {
        return 1 / (1 + sigma);
    }

    /** E[x1 | x_t = x], the denoiser's estimate of the data, for t in (0, 1). */
    public static INDArray denoised(Denoiser denoiser, INDArray x, double t) {
        return denoiser.denoise(x.div(t), sigma(t));
    }

    /** The velocity b(t, x) from {@code denoised} = E[x1 | x_t = x], for t in [0, 1). */
    public static INDArray velocity(INDArray x, INDArray denoised, double t) {
        return denoised.sub(x).divi(1 - t);
    }

    /** The score s(t, x) = grad log rho_t(x) from {@code denoised} = E[x1 | x_t = x], for t in [0, 1). */
    public static INDArray score(INDArray x, INDArray denoised, double t) {
        return denoised.mul(t).subi(x).divi((1 - t) * (1 - t));
    }
}
