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

    /** An error field delta(t, x) added to a velocity, for studying how samplers react to a wrong drift. */
    @FunctionalInterface
    public interface Field {
        /** delta(t, x) for a batch x [n, d] at time t, a new array. */
        INDArray at(double t, INDArray x);
    }

    /**
     * The denoiser whose {@linkplain #velocity velocity} is that of {@code denoiser} plus {@code error}:
     * D'(x; sigma) = D(x; sigma) + (1 - t) error(t, t x), t = {@link #time}(sigma), because the velocity is
     * (E[x1 | x_t] - x_t) / (1 - t) at x_t = t x. Its score changes too; pass it only as the velocity's denoiser.
     */
    public static Denoiser withVelocityError(Denoiser denoiser, Field error) {
        return (x, sigma) -> {
            double t = time(sigma);
            return denoiser.denoise(x, sigma).addi(error.at(t, x.mul(t)).castTo(x.dataType()).muli(1 - t));
        };
    }

    /**
     * The rotation field delta(t, x) = rate (-x_2, x_1) of the plane (the first two coordinates; the others get 0),
     * constant in time: on its own it turns every point about the origin at {@code rate} radians per unit time.
     */
    public static Field rotation(double rate) {
        return (t, x) -> {
            INDArray out = x.mul(0);
            out.putColumn(0, x.getColumn(1).mul(-rate));
            out.putColumn(1, x.getColumn(0).mul(rate));
            return out;
        };
    }
}
