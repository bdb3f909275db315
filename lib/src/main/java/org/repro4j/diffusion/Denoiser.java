package org.repro4j.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one thing the {@link Samplers} call: an estimate of the clean data x0 from a noisy batch
 * x = x0 + sigma * noise, in the variance-exploding parametrisation of Karras et al. 2022
 * ("Elucidating the Design Space of Diffusion-Based Generative Models", section 2, D(x; sigma)).
 * The ideal denoiser is the posterior mean E[x0 | x]; its score is (D(x; sigma) - x) / sigma^2
 * (Tweedie's formula, Karras et al. eq. 3). {@link Preconditioning} turns a network of any
 * parametrisation into one; {@link GaussianMixture} is an exact one.
 */
@FunctionalInterface
public interface Denoiser {

    /**
     * @param x     a batch [n, d] of noisy points; not modified
     * @param sigma the noise level of every row, positive
     * @return a new [n, d] array, the estimate of x0 for every row
     */
    INDArray denoise(INDArray x, double sigma);
}
