package org.repro4j.diffusion;

import java.io.PrintStream;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.Check;
import org.repro4j.experiment.Hparams;
import org.repro4j.experiment.ResultsStore;
import org.repro4j.experiment.Run;

/**
 * Improved consistency training (Song and Dhariwal 2023, "Improved Techniques for Training
 * Consistency Models"): no teacher and no EMA target, the pseudo-Huber distance
 * d(a, b) = sqrt(|a - b|^2 + c^2) - c with c = 0.00054 sqrt(d), weights lambda(sigma_i) = 1 / (sigma_{i+1} - sigma_i),
 * the adjacent levels of a Karras grid drawn with lognormal probabilities, and a grid that doubles
 * on a curriculum. The consistency function is {@link Preconditioning#consistency} of a {@link NoiseNet}: a
 * {@link TimeMlp} on low-dimensional points or a {@link UNet} on image rows train through the same step, d being
 * the row's length (its pixel count for images).
 * The squared distance |a - b|^2 of the original consistency training (Song et al. 2023) is kept for
 * the paper's ablation (its Figure 3), everything else equal.
 */
public final class ConsistencyTraining {

    /** The distance d between the outputs at adjacent levels. */
    public enum Distance {
        /** sqrt(|a - b|^2 + c^2) - c, c = {@link #huberC}: improved consistency training. */
        PSEUDO_HUBER,
        /** |a - b|^2: the original consistency training's L2 metric. */
        SQUARED
    }

    /**
     * Everything of a training run but the network, the data and its length: the distance, the
     * curriculum (s0, s1 of {@link #levels}; the paper's 10 and 1280) and the Karras grid (sigmaMin,
     * sigmaMax, rho; the paper's 0.002, 80 and 7; sigmaMin is also the consistency function's).
     */
    public record Recipe(Distance distance, int s0, int s1, double sigmaMin, double sigmaMax, double rho) {
        public Recipe {
            if (distance == null) {
                throw new IllegalArgumentException("distance: expected PSEUDO_HUBER or SQUARED, got null");
            }
            if (s0 < 1 || s1 < s0) {
                throw new IllegalArgumentException("s0, s1: expected 1 <= s0 <= s1, got " + s0 + ", " + s1);
            }
            Check.positive("sigmaMin", sigmaMin);
            Check.positive("rho", rho);
            if (!(sigmaMax > sigmaMin) || Double.isInfinite(sigmaMax)) {
                throw new IllegalArgumentException("sigmaMax: expected a finite number above sigmaMin " + sigmaMin + ", got " + sigmaMax);
            }
        }

        /** The paper's recipe with {@code distance}: s0 = 10, s1 = 1280, sigma from 0.002 to 80, rho = 7. */
        public static Recipe paper(Distance distance) {
            return new Recipe(distance, 10, 1280, 0.002, 80, 7);
        }

        /** The increasing levels sigma_1 .. sigma_N of the Karras grid used at iteration k of {@code iterations}. */
        public double[] grid(long k, long iterations) {
            int n = levels(k, iterations, s0, s1);
            double[] descending = Schedules.karras(n, sigmaMin, sigmaMax, rho);
            double[] grid = new double[n];
            for (int i = 0; i < n; i++) {
                grid[i] = descending[n - 1 - i];
            }
            return grid;
        }
    }

    /** Mean and standard deviation of ln sigma for drawing the grid index (section 3.5 of the paper). */
    public static final double P_MEAN = -1.1;
    public static final double P_STD = 2.0;

    private ConsistencyTraining() {
    }

    /**
     * The number of grid levels at iteration k of K: N(k) = min(s0 * 2^floor(k / K'), s1) + 1 with
     * K' = floor(K / (log2(floor(s1 / s0)) + 1)) (the paper's eq. 7; s0 = 10, s1 = 1280).
     */
    public static int levels(long k, long iterations, int s0, int s1) {
        if (s0 < 1 || s1 < s0) {
            throw new IllegalArgumentException("s0, s1: expected 1 <= s0 <= s1, got " + s0 + ", " + s1);
        }
        if (k < 0 || k >= iterations) {
            throw new IllegalArgumentException("k: expected an iteration in [0, " + iterations + "), got " + k);
        }
        long stage = Math.max(1, (long) Math.floor(iterations / (Math.log(Math.floor((double) s1 / s0)) / Math.log(2) + 1)));
        return (int) Math.min(s0 * Math.pow(2, Math.min(k / stage, 30)), s1) + 1;
    }

    /** The pseudo-Huber constant c = 0.00054 sqrt(d) for data of dimension d (the paper's section 3.3). */
    public static double huberC(int dim) {
        return 0.00054 * Math.sqrt(dim);
    }

    /**
     * Indices i of adjacent levels (sigma_i, sigma_{i+1}) of the increasing {@code grid}, drawn with
     * p(i) proportional to erf((ln sigma_{i+1} - P_MEAN) / (sqrt 2 P_STD)) - erf((ln sigma_i - P_MEAN) / (sqrt 2 P_STD))
     * (the paper's eq. 10), by drawing ln sigma from the lognormal until it falls inside the grid.
     */
    public static int[] indices(double[] grid, int n, RandomGenerator random) {
        int[] indices = new int[n];
        for (int b = 0; b < n; b++) {
            double logSigma;
            do {
                logSigma = P_MEAN + P_STD * random.nextGaussian();
            } while (!(logSigma >= Math.log(grid[0]) && logSigma < Math.log(grid[grid.length - 1])));
            int i = 0;
            while (Math.log(grid[i + 1]) <= logSigma) {
                i++;
            }
            indices[b] = i;
        }
        return indices;
    }

    /**
     * One training step on the batch {@code x0}: with shared noise z, x_i = x0 + sigma_i z and
     * x_{i+1} = x0 + sigma_{i+1} z, the loss lambda_i d(f(x_{i+1}; sigma_{i+1}), stopgrad f(x_i; sigma_i)).
     * Its gradient in F is that of the squared error |F - target|^2 / d of {@link NoiseNet#fit} with per-row weights
     * (d / 2) lambda_i c_out^2 / sqrt(|f - target|^2 + c^2) (pseudo-Huber) or d lambda_i c_out^2 (squared), so one
     * weighted fit step takes exactly the distance's gradient. Returns the mean loss before the step.
     *
     * @param grid the increasing Karras levels sigma_1 .. sigma_N (reverse the first N of {@link Schedules#karras})
     */
    public static double step(NoiseNet net, Preconditioning consistency, INDArray x0, double[] grid, Distance distance,
                              RandomGenerator random) {
        int n = (int) x0.rows();
        int[] index = indices(grid, n, random);
        double[] lo = new double[n];
        double[] hi = new double[n];
        for (int b = 0; b < n; b++) {
            lo[b] = grid[index[b]];
            hi[b] = grid[index[b] + 1];
        }
        INDArray z = Batches.gaussian(x0.shape(), x0.dataType(), random);
        INDArray xLo = z.mulColumnVector(Preconditioning.column(lo, s -> s).castTo(x0.dataType())).addi(x0);
        INDArray xHi = z.mulColumnVector(Preconditioning.column(hi, s -> s).castTo(x0.dataType())).addi(x0);
        INDArray target = consistency.apply(net, xLo, lo);
        int dim = (int) x0.columns();
        double c = huberC(dim);
        double[] weights = new double[n];
        double loss = 0;
        double[] gap = consistency.apply(net, xHi, hi).subi(target).norm2(1).toDoubleVector();
        for (int b = 0; b < n; b++) {
            double lambda = 1 / (hi[b] - lo[b]);
            double cOut = consistency.cOut().applyAsDouble(hi[b]);
            if (distance == Distance.PSEUDO_HUBER) {
                double root = Math.sqrt(gap[b] * gap[b] + c * c);
                weights[b] = dim / 2.0 * lambda * cOut * cOut / root;
                loss += lambda * (root - c) / n;
            } else {
                weights[b] = dim * lambda * cOut * cOut;
                loss += lambda * gap[b] * gap[b] / n;
            }
        }
        INDArray input = xHi.mulColumnVector(Preconditioning.column(hi, consistency.cIn()).castTo(x0.dataType()));
        net.fit(input, Preconditioning.column(hi, consistency.cNoise()), consistency.target(xHi, target, hi),
                Nd4j.createFromArray(weights));
        return loss;
    }

    /** Consistency training as a {@link DenoiserTraining.Objective}: the step at iteration k uses the recipe's grid for k. */
    public static DenoiserTraining.Objective objective(Preconditioning consistency, Recipe recipe, long iterations) {
        return (net, x0, iteration, random) -> step(net, consistency, x0, recipe.grid(iteration, iterations), recipe.distance(), random);
    }

    /**
     * Loads the finished consistency-training run of {@code hparams}, or trains it (resuming its last
     * checkpoint): {@link DenoiserTraining#runOrLoad(Hparams, ResultsStore, Supplier, DenoiserTraining.Objective,
     * DenoiserTraining.Data, DenoiserTraining.Options, PrintStream)} with {@link #objective}.
     */
    public static Run runOrLoad(Hparams hparams, ResultsStore store, Supplier<? extends NoiseNet> init, Preconditioning consistency, Recipe recipe,
                                DenoiserTraining.Data data, DenoiserTraining.Options options, PrintStream out) {
        return DenoiserTraining.runOrLoad(hparams, store, init, objective(consistency, recipe, options.iterations()), data, options, out);
    }
}
