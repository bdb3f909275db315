package org.repro4j.diffusion;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.repro4j.HostArrays;
import org.repro4j.Check;

/**
 * Peak signal-to-noise ratio, the unit in which Kadkhodaie et al. 2024 ("Generalization in diffusion models arises
 * from geometry-adaptive harmonic representations", Fig. 2; {@code calc_psnr} in their code) compare a denoiser on its
 * training images with held-out ones: PSNR = 10 log10(peak^2 / MSE) in dB, per image, then averaged over images.
 * A memorising denoiser has a high PSNR on its training set and a low one on held-out images; one that generalises
 * has about the same on both.
 */
public final class Psnr {

    /** Rows denoised at once by {@link #denoising}; bounds the memory of a large evaluation set. */
    private static final int CHUNK = 500;

    private Psnr() {
    }

    /**
     * The PSNR of each row of {@code estimate} against the same row of {@code clean}, both [n, d]:
     * 10 log10(peak^2 / mean_j (estimate_ij - clean_ij)^2), infinite for an exact row.
     *
     * @param peak the range of the intensities, max - min (1 for pixels in [0, 1], 2 for [-1, 1]), positive
     */
    public static double[] of(INDArray clean, INDArray estimate, double peak) {
        Check.positive("peak", peak);
        Distances.checkMatrix("clean", clean, -1);
        if (!Arrays.equals(estimate.shape(), clean.shape())) {
            throw new IllegalArgumentException("estimate: expected the shape of clean " + Arrays.toString(clean.shape()) + ", got "
                    + Arrays.toString(estimate.shape()));
        }
        INDArray error = estimate.castTo(clean.dataType()).sub(clean);
        double[] mse = HostArrays.toDoubles(error.muli(error).mean(1));
        double[] psnr = new double[mse.length];
        for (int i = 0; i < mse.length; i++) {
            psnr[i] = 10 * Math.log10(peak * peak / mse[i]);
        }
        return psnr;
    }

    /**
     * The denoising PSNR of {@code denoiser} on each row of {@code clean} [n, d]: the mean over {@code draws} noise
     * draws of the PSNR of D(x + sigma z; sigma) against x, z standard normal from {@code random} (Kadkhodaie et
     * al.'s Fig. 2, one noise level of its x-axis).
     *
     * @param sigma the noise level, positive, in the units of the pixels
     * @param draws noise draws per image, at least 1
     * @param peak  the range of the intensities (see {@link #of})
     */
    public static double[] denoising(Denoiser denoiser, INDArray clean, double sigma, int draws, double peak, RandomGenerator random) {
        Check.positive("sigma", sigma);
        Check.atLeast("draws", draws, 1);
        Check.positive("peak", peak);
        Distances.checkMatrix("clean", clean, -1);
        int n = (int) clean.rows();
        double[] mean = new double[n];
        for (int draw = 0; draw < draws; draw++) {
            for (int from = 0; from < n; from += CHUNK) {
                int to = Math.min(n, from + CHUNK);
                INDArray x = clean.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
                INDArray noisy = Batches.gaussian(x.shape(), x.dataType(), random).muli(sigma).addi(x);
                double[] psnr = of(x, denoiser.denoise(noisy, sigma), peak);
                for (int i = 0; i < psnr.length; i++) {
                    mean[from + i] += psnr[i] / draws;
                }
            }
        }
        return mean;
    }
}
