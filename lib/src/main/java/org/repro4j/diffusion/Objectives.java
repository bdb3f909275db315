package org.repro4j.diffusion;

import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Denoising regression, the training objective of every {@link Preconditioning}: noise x0 to
 * x = x0 + sigma * noise and fit F(c_in x, c_noise) to the target that makes D(x; sigma) = x0 (Karras
 * et al. 2022, eq. 8). With {@link Preconditioning#eps} and {@link #ddpmSigmas} this is DDPM's
 * L_simple (Ho et al. 2020, eq. 14 and Algorithm 1); with {@link Preconditioning#velocity} and
 * {@link #interpolantSigmas} it is flow matching / the interpolant's velocity loss (Lipman et al.
 * 2023; Albergo et al. 2023), and with {@link Preconditioning#interpolantNoise} the interpolant's
 * score loss in its denoiser form; with {@link Preconditioning#edm} and {@link #lognormalSigmas} it is EDM's.
 * The noise comes from {@code random}, so the same seeds give the same training run.
 */
public final class Objectives {

    private Objectives() {
    }

    /**
     * One optimiser step on the batch {@code x0} [n, d], row i noised to level sigmas[i]; returns the
     * mean over the batch of |F - target|^2 / d before the step (d the data's dimension).
     */
    public static double step(NoiseNet net, Preconditioning preconditioning, INDArray x0, double[] sigmas,
                              RandomGenerator random) {
        if (sigmas.length != x0.rows()) {
            throw new IllegalArgumentException("sigmas: expected one noise level a row, " + x0.rows() + ", got " + sigmas.length);
        }
        INDArray x = Batches.gaussian(x0.shape(), x0.dataType(), random)
                .muliColumnVector(Preconditioning.column(sigmas, s -> s).castTo(x0.dataType())).addi(x0);
        INDArray input = x.mulColumnVector(Preconditioning.column(sigmas, preconditioning.cIn()).castTo(x0.dataType()));
        INDArray c = Preconditioning.column(sigmas, preconditioning.cNoise());
        return net.fit(input, c, preconditioning.target(x, x0, sigmas), null);
    }

    /** DDPM's training noise levels (Ho et al. 2020, Algorithm 1): a timestep uniform over the T of {@code alphaBars} for each of n rows. */
    public static double[] ddpmSigmas(double[] alphaBars, int n, RandomGenerator random) {
        double[] sigmas = new double[n];
        for (int i = 0; i < n; i++) {
            sigmas[i] = Schedules.sigma(alphaBars[random.nextInt(alphaBars.length)]);
        }
        return sigmas;
    }

    /** The interpolant's training levels: t uniform on (0, 1), sigma = (1 - t) / t. */
    public static double[] interpolantSigmas(int n, RandomGenerator random) {
        double[] sigmas = new double[n];
        for (int i = 0; i < n; i++) {
            double t = random.nextDouble();
            while (t == 0) { // t = 0 is pure noise, sigma infinite
                t = random.nextDouble();
            }
            sigmas[i] = Interpolant.sigma(t);
        }
        return sigmas;
    }

    /** EDM's training levels (Karras et al. 2022, section 5): ln sigma ~ N(mean, std^2), their defaults -1.2 and 1.2. */
    public static double[] lognormalSigmas(int n, double mean, double std, RandomGenerator random) {
        double[] sigmas = new double[n];
        for (int i = 0; i < n; i++) {
            sigmas[i] = Math.exp(mean + std * random.nextGaussian());
        }
        return sigmas;
    }
}
