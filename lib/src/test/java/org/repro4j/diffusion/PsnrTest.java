package org.repro4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class PsnrTest {

    @Test
    void psnrIsTenLogTenOfThePeakSquaredOverTheMeanSquaredError() {
        INDArray clean = Nd4j.createFromArray(new double[][] {{0, 0}, {1, 1}, {0.5, 0.5}});
        INDArray estimate = Nd4j.createFromArray(new double[][] {{0.1, 0.1}, {1, 1.2}, {0.5, 0.5}});
        assertArrayEquals(new double[] {20, 10 * Math.log10(1 / 0.02), Double.POSITIVE_INFINITY}, Psnr.of(clean, estimate, 1), 1e-9);
        assertEquals(20 + 20 * Math.log10(2), Psnr.of(clean, estimate, 2)[0], 1e-9, "pixels in [-1, 1]: peak 2");
    }

    @Test
    void aDenoiserThatAlwaysAnswersOneImageHasTheSamePsnrAtEveryNoiseLevel() {
        INDArray memorised = Nd4j.createFromArray(new float[][] {{0.2f, 0.4f, 0.6f, 0.8f}});
        Denoiser copy = (x, sigma) -> memorised.repeat(0, x.rows());
        INDArray clean = Nd4j.createFromArray(new float[][] {{0.2f, 0.4f, 0.6f, 0.8f}, {0.3f, 0.5f, 0.7f, 0.9f}});
        for (double sigma : new double[] {0.01, 1, 10}) {
            double[] psnr = Psnr.denoising(copy, clean, sigma, 3, 1, new SplittableRandom(1));
            assertEquals(Double.POSITIVE_INFINITY, psnr[0], "its training image");
            assertEquals(20, psnr[1], 1e-5, "another image, 0.1 off everywhere");
        }
    }

    /** The identity leaves the noise: MSE sigma^2 on average, so about 10 log10(1 / sigma^2) over many pixels. */
    @Test
    void theIdentityDenoiserScoresTheNoisyImage() {
        INDArray clean = Nd4j.zeros(DataType.FLOAT, 1_200, 1_000);
        double[] psnr = Psnr.denoising((x, sigma) -> x, clean, 0.5, 2, 1, new SplittableRandom(2));
        assertEquals(1_200, psnr.length, "past one chunk of 500 rows");
        // one image's PSNR varies by about 0.14 dB (1,000 pixels, 2 draws); their mean by far less
        assertEquals(10 * Math.log10(4), java.util.Arrays.stream(psnr).average().orElseThrow(), 0.02);
        for (double p : psnr) {
            assertEquals(10 * Math.log10(4), p, 0.8);
        }
    }

    @Test
    void badInputsAreRejectedNamingTheField() {
        INDArray x = Nd4j.zeros(2, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> Psnr.of(x, Nd4j.zeros(3, 2), 1));
        assertEquals("estimate: expected the shape of clean [2, 3], got [3, 2]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Psnr.of(x, x, 0));
        assertEquals("peak: expected a finite number above 0, got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Psnr.denoising((y, s) -> y, x, 0.1, 0, 1, new SplittableRandom(1)));
        assertEquals("draws: expected at least 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Psnr.denoising((y, s) -> y, Nd4j.zeros(3), 0.1, 1, 1, new SplittableRandom(1)));
        assertEquals("clean: expected shape [n, d] with n >= 1, got [3]", e.getMessage());
    }
}
