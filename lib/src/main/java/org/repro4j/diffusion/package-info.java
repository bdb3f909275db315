/**
 * Diffusion models, flows and consistency models, in the variance-exploding form x = x0 + sigma * noise
 * of Karras et al. 2022 ("Elucidating the Design Space of Diffusion-Based Generative Models"), after
 * k-diffusion: noise {@link org.repro4j.diffusion.Schedules} as plain functions; the
 * {@link org.repro4j.diffusion.Denoiser}, the one thing the {@link org.repro4j.diffusion.Samplers}
 * call (one short static function a sampler, each reporting its {@link org.repro4j.diffusion.Step}s);
 * {@link org.repro4j.diffusion.Preconditioning}, which turns a {@link org.repro4j.diffusion.NoiseNet}
 * ({@link org.repro4j.diffusion.TimeMlp} for points, {@link org.repro4j.diffusion.UNet} for images) of any
 * parametrisation into a denoiser; the training {@link org.repro4j.diffusion.Objectives}, their resumable loop in the results store
 * ({@link org.repro4j.diffusion.DenoiserTraining}) and
 * {@link org.repro4j.diffusion.ConsistencyTraining}; the {@link org.repro4j.diffusion.Interpolant}
 * drifts; {@link org.repro4j.diffusion.Toy2d} data with exact
 * {@link org.repro4j.diffusion.GaussianMixture} denoisers; and sample {@link org.repro4j.diffusion.Distances}
 * (sliced Wasserstein, MMD, the Fréchet distance, nearest training image), with the classifier
 * {@link org.repro4j.diffusion.FeatureSpace} in which generated images are compared (FMNIST-FD, an FID-like score),
 * and the memorisation measures of Kadkhodaie et al. 2024: image {@link org.repro4j.diffusion.Similarity} and
 * denoising {@link org.repro4j.diffusion.Psnr}.
 */
package org.repro4j.diffusion;
