package org.repro4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

class TrainingTest {

    static final GaussianMixture DATA = SamplersTest.GAUSSIAN;
    static final double[] DDPM = Schedules.alphaBars(Schedules.linearBetas(1000, 1e-4, 0.02));
    static final Preconditioning EPS = Preconditioning.eps(Preconditioning.timestep(DDPM));

    static TimeMlp net(long seed) {
        return TimeMlp.create(2, List.of(64, 64), 8, new Adam(3e-3), seed);
    }

    static TimeMlp trainEps(long seed, int iterations) {
        return train(EPS, random -> Objectives.ddpmSigmas(DDPM, 256, random), seed, iterations);
    }

    static TimeMlp train(Preconditioning preconditioning, Function<RandomGenerator, double[]> sigmas, long seed, int iterations) {
        TimeMlp net = net(seed);
        var random = new SplittableRandom(seed);
        for (int k = 0; k < iterations; k++) {
            Objectives.step(net, preconditioning, DATA.sample(256, random), sigmas.apply(random), random);
        }
        return net;
    }

    /** Mean over rows of |D(x0 + sigma noise; sigma) - x0|^2, on fixed held-out data and noise. */
    static double denoisingMse(Denoiser denoiser, double sigma) {
        INDArray x0 = DATA.sample(2000, new SplittableRandom(99));
        INDArray x = SamplersTest.noise(2000, sigma, 98).addi(x0);
        INDArray error = denoiser.denoise(x, sigma).subi(x0);
        return error.muli(error).sum(1).meanNumber().doubleValue();
    }

    @Test
    void anEpsMlpTrainedBrieflyDenoisesBetterThanAnUntrainedOne() {
        assertTrainedBeatsUntrained(EPS, EPS.denoiser(trainEps(1, 300)));
    }

    @Test
    void aVelocityMlpTrainedBrieflyByFlowMatchingDenoisesBetterThanAnUntrainedOne() {
        Preconditioning velocity = Preconditioning.velocity();
        assertTrainedBeatsUntrained(velocity, velocity.denoiser(train(velocity, random -> Objectives.interpolantSigmas(256, random), 1, 300)));
    }

    @Test
    void anInterpolantNoiseMlpTrainedBrieflyDenoisesBetterThanAnUntrainedOne() {
        Preconditioning noise = Preconditioning.interpolantNoise();
        assertTrainedBeatsUntrained(noise, noise.denoiser(train(noise, random -> Objectives.interpolantSigmas(256, random), 1, 300)));
    }

    private static void assertTrainedBeatsUntrained(Preconditioning preconditioning, Denoiser trained) {
        Denoiser untrained = preconditioning.denoiser(net(1));
        for (double sigma : new double[] {0.3, 1, 3}) {
            double t = denoisingMse(trained, sigma);
            double u = denoisingMse(untrained, sigma);
            double exact = denoisingMse(DATA, sigma);
            System.out.printf("%s sigma %.1f: denoising mse trained %.4f, untrained %.4f, exact %.4f%n", preconditioning, sigma, t, u, exact);
            // The exact posterior mean is the best any denoiser can do; compare what each loses to it.
            assertTrue(t - exact < 0.25 * (u - exact), "sigma " + sigma + ": trained " + t + " vs untrained " + u + ", exact " + exact);
        }
    }

    @Test
    void trainingIsReproducibleFromItsSeed() {
        assertEquals(trainEps(2, 5).network().params(), trainEps(2, 5).network().params());
        assertTrue(!trainEps(2, 5).network().params().equals(trainEps(3, 5).network().params()));
    }

    /** Each parametrisation's target is its paper's regression target, and D built from it recovers x0. */
    @Test
    void targetsAreTheNoiseTheVAndTheVelocity() {
        var random = new SplittableRandom(4);
        INDArray x0 = DATA.sample(5, random);
        INDArray noise = SamplersTest.noise(5, 1, 5);
        double[] sigmas = {0.1, 0.5, 1, 2, 10};
        INDArray sigma = Preconditioning.column(sigmas, s -> s);
        INDArray x = noise.mulColumnVector(sigma).addi(x0);
        assertEquals(0, Preconditioning.eps(s -> s).target(x, x0, sigmas).sub(noise).amaxNumber().doubleValue(), 1e-12);
        // v = alpha eps - sigma_vp x0 with alpha = 1 / sqrt(1 + sigma^2), sigma_vp = sigma / sqrt(1 + sigma^2).
        INDArray alpha = Preconditioning.column(sigmas, s -> 1 / Math.sqrt(1 + s * s));
        INDArray v = noise.mulColumnVector(alpha).subi(x0.mulColumnVector(alpha.mul(sigma)));
        assertEquals(0, Preconditioning.v(s -> s).target(x, x0, sigmas).sub(v).amaxNumber().doubleValue(), 1e-12);
        // The interpolant's velocity x1 - z, with data x1 = x0 and noise z = noise.
        assertEquals(0, Preconditioning.velocity().target(x, x0, sigmas).sub(x0.sub(noise)).amaxNumber().doubleValue(), 1e-12);
        assertEquals(0, Preconditioning.interpolantNoise().target(x, x0, sigmas).sub(noise).amaxNumber().doubleValue(), 1e-12);
        assertEquals(0, Preconditioning.x0(s -> s).target(x, x0, sigmas).sub(x0).amaxNumber().doubleValue(), 1e-12);
        for (Preconditioning p : List.of(Preconditioning.edm(0.5), Preconditioning.consistency(0.5, 0.002))) {
            INDArray target = p.target(x, x0, sigmas);
            INDArray d = target.mulColumnVector(Preconditioning.column(sigmas, p.cOut()))
                    .addi(x.mulColumnVector(Preconditioning.column(sigmas, p.cSkip())));
            assertEquals(0, d.sub(x0).amaxNumber().doubleValue(), 1e-12, p.toString());
        }
    }

    /** The samplers' path (one level for all rows, the embedding computed once) gives apply's values bit for bit. */
    @Test
    void aDenoiserAtOneLevelGivesTheValuesOfTheRowByRowPath() {
        TimeMlp net = trainEps(12, 20);
        INDArray x = DATA.sample(50, new SplittableRandom(13));
        for (Preconditioning p : List.of(EPS, Preconditioning.edm(0.5), Preconditioning.velocity(), Preconditioning.v(s -> Math.log(s)))) {
            for (double sigma : new double[] {0.02, 1.3, 60}) {
                double[] sigmas = new double[50];
                java.util.Arrays.fill(sigmas, sigma);
                assertArrayEquals(p.apply(net, x, sigmas).toDoubleMatrix(), p.denoiser(net).denoise(x, sigma).toDoubleMatrix(), p + " at " + sigma);
            }
        }
        TimeMlp raw = TimeMlp.create(2, List.of(8), 0, new Adam(1e-3), 14);   // K = 0: c itself is the input
        assertArrayEquals(raw.output(x, Nd4j.valueArrayOf(new long[] {50, 1}, 0.3, DataType.DOUBLE)).toFloatMatrix(),
                raw.output(x, 0.3).toFloatMatrix());
        var e = assertThrows(IllegalArgumentException.class, () -> net.output(Nd4j.zeros(DataType.DOUBLE, 4, 3), 0.5));
        assertEquals("x: expected shape [n, 2], got [4, 3]", e.getMessage());
    }

    @Test
    void theConsistencyFunctionIsTheIdentityAtSigmaMin() {
        INDArray x = DATA.sample(4, new SplittableRandom(6));
        Denoiser f = Preconditioning.consistency(0.5, 0.002).denoiser(net(6));
        assertEquals(0, f.denoise(x, 0.002).sub(x).amaxNumber().doubleValue(), 1e-12);
    }

    @Test
    void theDiscretisationCurriculumDoublesFromS0ToS1() {
        // K = 1000, s0 = 10, s1 = 1280: K' = floor(1000 / (log2(128) + 1)) = 125.
        assertEquals(11, ConsistencyTraining.levels(0, 1000, 10, 1280));
        assertEquals(11, ConsistencyTraining.levels(124, 1000, 10, 1280));
        assertEquals(21, ConsistencyTraining.levels(125, 1000, 10, 1280));
        assertEquals(641, ConsistencyTraining.levels(874, 1000, 10, 1280));
        assertEquals(1281, ConsistencyTraining.levels(999, 1000, 10, 1280));
        assertEquals(0.00054 * Math.sqrt(2), ConsistencyTraining.huberC(2), 1e-18);
    }

    /** The index of (sigma_i, sigma_{i+1}) has the probability of ln sigma in [ln sigma_i, ln sigma_{i+1}) under N(-1.1, 2^2), renormalised. */
    @Test
    void gridIndicesFollowTheLognormal() {
        double[] grid = ConsistencyTraining.Recipe.paper(ConsistencyTraining.Distance.PSEUDO_HUBER).grid(0, 1000);
        int n = 40_000;
        int[] counts = new int[grid.length - 1];
        for (int i : ConsistencyTraining.indices(grid, n, new SplittableRandom(7))) {
            counts[i]++;
        }
        double[] p = new double[counts.length];
        double total = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = normalCdf(Math.log(grid[i + 1])) - normalCdf(Math.log(grid[i]));
            total += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            double expected = p[i] / total;
            assertEquals(expected, counts[i] / (double) n, 4 * Math.sqrt(expected / n), "index " + i);
        }
    }

    private static double normalCdf(double logSigma) {
        // Trapezoid rule for the N(-1.1, 2^2) density from far below.
        double sum = 0;
        double h = 1e-3;
        for (double u = -1.1 - 20; u < logSigma; u += h) {
            sum += h * Math.exp(-Math.pow(u + 1.1, 2) / 8) / Math.sqrt(8 * Math.PI);
        }
        return sum;
    }

    /**
     * A fit step with plain SGD moves every parameter by -lr times the gradient of the documented loss,
     * mean_i w_i |F(x_i, c_i) - t_i|^2 / d, unweighted and weighted, in d = 3 (where DL4J's label mask
     * would not give it), checked against central differences in double precision.
     */
    @Test
    void aFitStepFollowsTheGradientOfTheWeightedLoss() {
        double lr = 0.01;
        TimeMlp net = TimeMlp.of(TimeMlp.create(3, List.of(8), 2, new Sgd(lr), 3).network().convertDataType(DataType.DOUBLE), 2);
        INDArray theta = net.network().params().dup();
        var random = new SplittableRandom(3);
        INDArray x = Batches.gaussian(new long[] {6, 3}, DataType.DOUBLE, random);
        INDArray c = Batches.gaussian(new long[] {6}, DataType.DOUBLE, random);
        INDArray t = Batches.gaussian(new long[] {6, 3}, DataType.DOUBLE, random);
        INDArray w = Nd4j.createFromArray(1.0, 2, 3, 0.5, 1, 4);
        TimeMlp probe = TimeMlp.of(net.network().clone(), 2);
        for (INDArray weights : new INDArray[] {null, w}) {
            String name = weights == null ? "unweighted" : "weighted";
            net.network().setParams(theta.dup());
            double returned = net.fit(x, c, t, weights);
            assertEquals(weightedLoss(net(theta, probe), x, c, t, weights), returned, 1e-10, name + " loss");
            INDArray step = net.network().params().sub(theta);
            double h = 1e-6;
            for (int j = 0; j < theta.length(); j++) {
                INDArray plus = theta.dup();
                plus.putScalar(j, theta.getDouble(j) + h);
                INDArray minus = theta.dup();
                minus.putScalar(j, theta.getDouble(j) - h);
                double gradient = (weightedLoss(net(plus, probe), x, c, t, weights) - weightedLoss(net(minus, probe), x, c, t, weights)) / (2 * h);
                assertEquals(-lr * gradient, step.getDouble(j), 1e-9 + 1e-6 * Math.abs(lr * gradient), name + ": parameter " + j);
            }
        }
    }

    private static TimeMlp net(INDArray params, TimeMlp probe) {
        probe.network().setParams(params.dup());
        return probe;
    }

    private static double weightedLoss(TimeMlp net, INDArray x, INDArray c, INDArray t, INDArray w) {
        INDArray d = net.output(x, c).sub(t);
        INDArray rows = d.mul(d).sum(1).div(x.columns());
        return (w == null ? rows : rows.mul(w)).meanNumber().doubleValue();
    }

    @Test
    void badInputsAreRejectedNamingTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> TimeMlp.create(2, List.of(8), -1, new Adam(1e-3), 1));
        assertEquals("frequencies: expected at least 0, got -1", e.getMessage());
        TimeMlp net = net(9);
        INDArray x = DATA.sample(4, new SplittableRandom(9));
        e = assertThrows(IllegalArgumentException.class, () -> EPS.denoiser(net).denoise(x, 0));
        assertEquals("sigma: expected a finite number above 0, got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EPS.denoiser(net).denoise(x.reshape(2, 4), 1));
        assertEquals("x: expected shape [n, 2], got [2, 4]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Objectives.step(net, EPS, x, new double[] {1, 2}, new SplittableRandom(1)));
        assertEquals("sigmas: expected one noise level a row, 4, got 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConsistencyTraining.levels(10, 10, 10, 1280));
        assertEquals("k: expected an iteration in [0, 10), got 10", e.getMessage());
    }
}
