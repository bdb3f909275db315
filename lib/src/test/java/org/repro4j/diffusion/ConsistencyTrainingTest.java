package org.repro4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.repro4j.diffusion.ConsistencyTraining.Distance;
import org.repro4j.diffusion.ConsistencyTraining.Recipe;

class ConsistencyTrainingTest {

    static final Preconditioning F = Preconditioning.consistency(0.5, 0.002);

    /** A tiny consistency net in double precision, so finite differences are exact to ~1e-8. */
    static TimeMlp doubleNet(double lr) {
        TimeMlp net = TimeMlp.create(2, List.of(8), 2, new Sgd(lr), 3);
        return TimeMlp.of(net.network().convertDataType(DataType.DOUBLE), 2);
    }

    /**
     * The loss of {@link ConsistencyTraining#step} as a function of the parameters, with the draws of the
     * step replayed from the same seed and the target (the output at the lower level) frozen at its value
     * under {@code frozen}: mean over rows of lambda_i d(f(x_hi; sigma_hi), target).
     */
    static double loss(NoiseNet net, NoiseNet frozen, INDArray x0, double[] grid, Distance distance, long seed) {
        var random = new SplittableRandom(seed);
        int n = (int) x0.rows();
        int[] index = ConsistencyTraining.indices(grid, n, random);
        INDArray z = Batches.gaussian(x0.shape(), DataType.DOUBLE, random);
        double[] lo = new double[n];
        double[] hi = new double[n];
        for (int b = 0; b < n; b++) {
            lo[b] = grid[index[b]];
            hi[b] = grid[index[b] + 1];
        }
        INDArray target = F.apply(frozen, z.mulColumnVector(Preconditioning.column(lo, s -> s)).addi(x0), lo);
        INDArray out = F.apply(net, z.mulColumnVector(Preconditioning.column(hi, s -> s)).addi(x0), hi);
        double[] gap = out.subi(target).norm2(1).toDoubleVector();
        double c = ConsistencyTraining.huberC((int) x0.columns());
        double total = 0;
        for (int b = 0; b < n; b++) {
            double d = distance == Distance.PSEUDO_HUBER ? Math.sqrt(gap[b] * gap[b] + c * c) - c : gap[b] * gap[b];
            total += d / (hi[b] - lo[b]);
        }
        return total / n;
    }

    @Test
    void aStepReturnsItsLossAndMovesTheParametersAlongMinusItsGradient() {
        INDArray x0 = TrainingTest.DATA.sample(6, new SplittableRandom(4)).castTo(DataType.DOUBLE);
        assertStepFollowsMinusTheGradient(() -> doubleNet(0.01), 0.01, x0, 1);
    }

    /**
     * The step is the {@link NoiseNet}'s, not the MLP's: a U-Net (a ComputationGraph on image rows, here 1 x 8 x 8)
     * trains through the same code, returning the same loss and stepping along minus its gradient (every 7th
     * parameter checked, a tiny U-Net in double precision).
     */
    @Test
    void aUNetStepReturnsItsLossAndMovesTheParametersAlongMinusItsGradient() {
        INDArray x0 = UNetTest.sampleBars(4, new SplittableRandom(4)).castTo(DataType.DOUBLE);
        assertStepFollowsMinusTheGradient(() -> UNet.of(UNet.create(1, 8, 8, List.of(2, 4), 2, 0, new Sgd(0.01), 3).network()
                .convertDataType(DataType.DOUBLE)), 0.01, x0, 7);
    }

    /**
     * For both distances: {@link ConsistencyTraining#step} of a net from {@code fresh} (which builds identical
     * double-precision nets trained by SGD at {@code lr}) returns {@link #loss} and moves every {@code stride}-th
     * parameter by -lr times the loss's central-difference gradient (target frozen).
     */
    static void assertStepFollowsMinusTheGradient(Supplier<NoiseNet> fresh, double lr, INDArray x0, int stride) {
        double[] grid = Recipe.paper(Distance.PSEUDO_HUBER).grid(0, 100);
        for (Distance distance : Distance.values()) {
            NoiseNet net = fresh.get(), before = fresh.get(), probe = fresh.get();
            INDArray theta = before.network().params().dup();
            double expected = loss(before, before, x0, grid, distance, 11);
            double returned = ConsistencyTraining.step(net, F, x0, grid, distance, new SplittableRandom(11));
            assertEquals(expected, returned, 1e-9 * Math.max(1, expected), distance + ": returned loss");
            // central differences of the loss with the target frozen, one parameter at a time
            double h = 1e-6;
            INDArray step = net.network().params().sub(theta);
            for (int j = 0; j < theta.length(); j += stride) {
                INDArray plus = theta.dup();
                plus.putScalar(j, theta.getDouble(j) + h);
                probe.network().setParams(plus);
                double up = loss(probe, before, x0, grid, distance, 11);
                INDArray minus = theta.dup();
                minus.putScalar(j, theta.getDouble(j) - h);
                probe.network().setParams(minus);
                double down = loss(probe, before, x0, grid, distance, 11);
                double gradient = (up - down) / (2 * h);
                assertEquals(-lr * gradient, step.getDouble(j), 1e-7 + 1e-5 * Math.abs(lr * gradient), distance + ": parameter " + j);
            }
        }
    }

    @Test
    void theRecipesGridDoublesOnTheCurriculumAndSpansSigmaMinToSigmaMax() {
        Recipe recipe = Recipe.paper(Distance.SQUARED);
        double[] first = recipe.grid(0, 800);   // K' = floor(800 / 8) = 100
        double[] later = recipe.grid(100, 800);
        assertEquals(11, first.length);
        assertEquals(21, later.length);
        assertEquals(1281, recipe.grid(799, 800).length);
        assertEquals(0.002, first[0], 1e-15);
        assertEquals(80, first[10], 1e-12);
        for (int i = 1; i < later.length; i++) {
            assertTrue(later[i] > later[i - 1], "increasing at " + i);
        }
        double[] karras = Schedules.karras(11, 0.002, 80, 7);
        for (int i = 0; i < 11; i++) {
            assertEquals(karras[10 - i], first[i], 0);
        }
    }

    /**
     * iCT alone, no teacher: 1,500 steps on a fixed grid of 11 levels (s0 = s1 = 10; the curriculum to 1,281
     * levels needs far longer runs) turn one-step samples from noise at sigma = 80 into the data's Gaussian:
     * the error of their mean and std falls to under 40 % of the untrained net's (measured: 5.23 to about 1.3).
     */
    @Test
    void consistencyTrainingLearnsOneStepSamplingOfAGaussian() {
        GaussianMixture data = TrainingTest.DATA;  // mean (1, -2), std (0.5, 2)
        Preconditioning f = Preconditioning.consistency(1.4, 0.002);
        TimeMlp net = TimeMlp.create(2, List.of(64, 64), 8, new Adam(3e-3), 5);
        double before = oneStepError(f.denoiser(net), data);
        var coarse = new Recipe(Distance.PSEUDO_HUBER, 10, 10, 0.002, 80, 7);
        DenoiserTraining.fit(net, ConsistencyTraining.objective(f, coarse, 1_500), data::sample,
                new DenoiserTraining.Options(1_500, 256, 5, 100), new PrintStream(OutputStream.nullOutputStream()),
                DenoiserTraining.emptyHistory(), null);
        double after = oneStepError(f.denoiser(net), data);
        System.out.printf("one-step samples: |mean error| + |std error| %.4f untrained -> %.4f after 1,500 iCT steps%n", before, after);
        assertTrue(after < 0.4 * before, "error " + before + " -> " + after);
    }

    /** Sum over the two coordinates of |sample mean - mean| + |sample std - std| of 4,000 one-step samples. */
    static double oneStepError(Denoiser model, GaussianMixture data) {
        var random = new SplittableRandom(77);
        INDArray z = GaussianMixture.gaussian(new double[] {0, 0}, new double[] {1, 1}).sample(4_000, random).muli(80);
        INDArray x = Samplers.consistency(model, z, new double[] {80}, 0.002, random, Step.Callback.NONE);
        double[] mean = x.mean(0).toDoubleVector();
        double[] std = x.std(0).toDoubleVector();
        double error = 0;
        for (int k = 0; k < 2; k++) {
            error += Math.abs(mean[k] - data.mean()[k]) + Math.abs(std[k] - Math.sqrt(data.covariance()[k][k]));
        }
        return error;
    }

    @Test
    void stepsAreReproducibleAndBadRecipesAreRefused() {
        double[] losses = new double[2];
        for (int run = 0; run < 2; run++) {
            TimeMlp net = TrainingTest.net(8);
            var objective = ConsistencyTraining.objective(F, Recipe.paper(Distance.PSEUDO_HUBER), 20);
            var random = new SplittableRandom(8);
            for (int k = 0; k < 20; k++) {
                losses[run] = objective.step(net, TrainingTest.DATA.sample(128, random), k, random);
            }
        }
        assertArrayEquals(new double[] {losses[0]}, new double[] {losses[1]});
        var e = assertThrows(IllegalArgumentException.class, () -> new Recipe(Distance.SQUARED, 10, 1280, 0.002, 0.001, 7));
        assertEquals("sigmaMax: expected a finite number above sigmaMin 0.002, got 0.001", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Recipe(null, 10, 1280, 0.002, 80, 7));
        assertEquals("distance: expected PSEUDO_HUBER or SQUARED, got null", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Recipe(Distance.SQUARED, 20, 10, 0.002, 80, 7));
        assertEquals("s0, s1: expected 1 <= s0 <= s1, got 20, 10", e.getMessage());
    }
}
