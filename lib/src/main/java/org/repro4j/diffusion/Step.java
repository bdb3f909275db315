package org.repro4j.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a sampler reports at each of its steps, before taking it (the {@code callback} of
 * k-diffusion's samplers), so a notebook can plot trajectories.
 *
 * @param x        the current batch [n, d], at noise level {@code sigma}; do not modify it
 * @param i        the index of the step, from 0
 * @param sigma    the noise level of {@code x} (for the interpolant samplers, the VE noise level
 *                 (1 - t) / t of time t)
 * @param denoised the denoiser's estimate of x0 from {@code x}
 */
public record Step(INDArray x, int i, double sigma, INDArray denoised) {

    /** Receives the steps of a sampler. */
    @FunctionalInterface
    public interface Callback {

        /** A callback that ignores every step. */
        Callback NONE = step -> { };

        void accept(Step step);
    }
}
