package org.repro4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SchedulesTest {

    private static final double[] DDPM = Schedules.alphaBars(Schedules.linearBetas(1000, 1e-4, 0.02));

    @Test
    void linearBetasRunFromFirstToLastAndAlphaBarsAreTheirCumulativeProduct() {
        double[] betas = Schedules.linearBetas(5, 0.1, 0.5);
        assertArrayEquals(new double[] {0.1, 0.2, 0.3, 0.4, 0.5}, betas, 1e-15);
        assertArrayEquals(new double[] {0.9, 0.72, 0.504, 0.3024, 0.1512}, Schedules.alphaBars(betas), 1e-15);
        // Ho et al. 2020: the linear schedule leaves abar_T close to 4e-5, a signal-to-noise ratio near 0.
        assertEquals(4.04e-5, DDPM[999], 0.01e-5);
    }

    @Test
    void cosineAlphaBarsFollowEquation17UntilTheClipping() {
        double s = 0.008;
        double[] alphaBars = Schedules.cosineAlphaBars(1000, s);
        for (int t : new int[] {1, 250, 500, 900}) {
            double f = Math.pow(Math.cos((t / 1000.0 + s) / (1 + s) * Math.PI / 2), 2);
            double f0 = Math.pow(Math.cos(s / (1 + s) * Math.PI / 2), 2);
            assertEquals(f / f0, alphaBars[t - 1], 1e-12, "t = " + t);
        }
        assertEquals(alphaBars[998] * 0.001, alphaBars[999], 1e-18, "the last beta is clipped at 0.999");
    }

    @Test
    void alphaBarAndSigmaRoundTrip() {
        for (double sigma : new double[] {0, 0.002, 0.5, 1, 80, 1e4}) {
            assertEquals(sigma, Schedules.sigma(Schedules.alphaBar(sigma)), 1e-12 * Math.max(1, sigma));
        }
        assertEquals(1, Schedules.sigma(0.5), 1e-15);
        assertEquals(0.2, Schedules.alphaBar(2), 1e-15);
    }

    @Test
    void timeAndSigmaAtRoundTripAndHitTheTimesteps() {
        for (double t : new double[] {0, 0.5, 17.25, 500, 998.9, 999}) {
            assertEquals(t, Schedules.time(DDPM, Schedules.sigmaAt(DDPM, t)), 1e-9);
        }
        assertEquals(Schedules.sigma(DDPM[42]), Schedules.sigmaAt(DDPM, 42), 1e-12);
        assertEquals(0, Schedules.time(DDPM, 1e-6), "clamped below the first timestep");
        assertEquals(999, Schedules.time(DDPM, 1e6), "clamped above the last timestep");
        // the bisection finds the interval a scan of the levels finds, so the values are the scan's to the bit
        var random = new java.util.SplittableRandom(5);
        for (int k = 0; k < 2_000; k++) {
            double sigma = Math.exp(random.nextDouble(-6, 6));
            assertEquals(scannedTime(DDPM, sigma), Schedules.time(DDPM, sigma), 0.0, "sigma " + sigma);
        }
        for (int t = 0; t < DDPM.length; t += 37) {   // exactly at a level
            double sigma = Schedules.sigma(DDPM[t]);
            assertEquals(scannedTime(DDPM, sigma), Schedules.time(DDPM, sigma), 0.0, "level " + t);
        }
    }

    @Test
    void karrasSigmasFollowEquation5AndEndAtZero() {
        double[] sigmas = Schedules.karras(18, 0.002, 80, 7);
        assertEquals(19, sigmas.length);
        assertEquals(80, sigmas[0], 1e-12);
        assertEquals(0.002, sigmas[17], 1e-15);
        assertEquals(0, sigmas[18]);
        double middle = Math.pow((Math.pow(80, 1 / 7.0) + Math.pow(0.002, 1 / 7.0)) / 2, 7);
        assertEquals(middle, Schedules.karras(3, 0.002, 80, 7)[1], 1e-12);
        assertArrayEquals(new double[] {80, 0}, Schedules.karras(1, 0.002, 80, 7));
    }

    @Test
    void spacedSigmasAreEvenlySpacedTimestepsOfTheTrainedSchedule() {
        double[] sigmas = Schedules.spaced(DDPM, 10);
        assertEquals(11, sigmas.length);
        assertEquals(Schedules.sigma(DDPM[999]), sigmas[0], 1e-12);
        assertEquals(Schedules.sigma(DDPM[444]), sigmas[5], 1e-12);
        assertEquals(Schedules.sigma(DDPM[0]), sigmas[9], 1e-12);
        assertEquals(0, sigmas[10]);
    }

    @Test
    void badInputsAreRejectedNamingTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> Schedules.karras(0, 0.002, 80, 7));
        assertEquals("steps: expected at least 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Schedules.karras(10, 0, 80, 7));
        assertEquals("sigmaMin, sigmaMax: expected 0 < sigmaMin <= sigmaMax < infinity, got 0.0, 80.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Schedules.linearBetas(10, 1e-4, 1));
        assertEquals("last: expected a value in (0, 1), got 1.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Schedules.time(DDPM, 0));
        assertEquals("sigma: expected a finite number above 0, got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Schedules.sigma(0));
        assertEquals("alphaBar: expected a value in (0, 1], got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Schedules.spaced(DDPM, 1001));
        assertEquals("steps: expected at most the 1000 timesteps of the schedule, got 1001", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Schedules.sigmaAt(DDPM, 1000));
        assertEquals("t: expected a timestep index in [0, 999], got 1000.0", e.getMessage());
    }

    /** {@link Schedules#time} by scanning the levels from the first, as it was first written. */
    private static double scannedTime(double[] alphaBars, double sigma) {
        double logSigma = Math.log(sigma), previous = Math.log(Schedules.sigma(alphaBars[0]));
        if (logSigma <= previous) {
            return 0;
        }
        for (int i = 1; i < alphaBars.length; i++) {
            double next = Math.log(Schedules.sigma(alphaBars[i]));
            if (logSigma <= next) {
                return i - 1 + (logSigma - previous) / (next - previous);
            }
            previous = next;
        }
        return alphaBars.length - 1;
    }
}
