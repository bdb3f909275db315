package org.repro4j.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.optim.FastAdam;
import org.repro4j.data.Dataset;
import org.repro4j.data.FashionMnist;
import org.repro4j.diffusion.DenoiserTraining;
import org.repro4j.diffusion.Objectives;
import org.repro4j.diffusion.Preconditioning;
import org.repro4j.diffusion.Samplers;
import org.repro4j.diffusion.Schedules;
import org.repro4j.diffusion.Step;
import org.repro4j.diffusion.TimeMlp;
import org.repro4j.diffusion.UNet;
import org.repro4j.models.Gemm;
import org.repro4j.models.Models;
import org.repro4j.models.OwnGradientUpdaters;
import org.repro4j.prune.Masks;
import org.repro4j.prune.Pruners;
import org.repro4j.prune.SynFlow;
import org.repro4j.train.Evaluation;
import org.repro4j.train.Trainer;

/**
 * The workloads the notebooks spend their time on, each timed through repro4j's own code path (the
 * one {@link org.repro4j.train.Trainer}, {@link Evaluation}, the samplers and pruners take). {@code
 * bench/pytorch/workloads.py} does the same computations, with the same shapes and data, in PyTorch.
 *
 * <p>Prints one line per workload: {@code RESULT name seconds flops}, tab-separated, where {@code
 * seconds} is the median time of one unit of the workload (one train step, one sampling, one load)
 * and {@code flops} the floating-point operations of that unit for the matrix-heavy ones (multiply
 * and add counted as two; 0 for the others). Threads are whatever {@code OMP_NUM_THREADS} says.
 *
 * <p>Usage: {@code Bench [workload ...]} (all when none is named).
 */
public final class Bench {

    /** LeNet-300-100's layer widths. */
    private static final int[] LENET = {784, 300, 100, 10};
    /** The 10M-parameter MLP for pruning: 784-2048-2048-2048-10 (10.5M weights). */
    private static final List<Integer> BIG = List.of(2048, 2048, 2048);

    private static Dataset train;
    private static Dataset test;

    private Bench() {
    }

    public static void main(String[] args) {
        Map<String, Supplier<double[]>> all = new LinkedHashMap<>();
        all.put("gemm_2048", Bench::gemm);
        all.put("load_fashion_mnist", Bench::load);
        all.put("lenet_step_b60", () -> lenetStep(60, 50));
        all.put("lenet_step_b512", () -> lenetStep(512, 10));
        all.put("lenet_eval_10k", Bench::lenetEval);
        all.put("conv_step_b128", () -> convStep(128, 3));
        all.put("conv_eval_2k", Bench::convEval);
        all.put("denoiser_step_b512", Bench::denoiserStep);
        all.put("ddim50_10k", Bench::ddim);
        all.put("unet_step_b128", () -> unetStep(128));
        all.put("unet_sample_step_b128", () -> unetSampleStep(128));
        all.put("prune_magnitude_10m", Bench::magnitude);
        all.put("synflow_scores_10m", Bench::synflow);
        if (args.length == 1 && args[0].equals("--list")) {
            all.keySet().forEach(System.out::println);
            return;
        }
        List<String> names = args.length == 0 ? new ArrayList<>(all.keySet()) : Arrays.asList(args);
        for (String name : names) {
            Supplier<double[]> workload = all.get(name);
            if (workload == null) {
                throw new IllegalArgumentException("workload: unknown '" + name + "'; known: " + String.join(", ", all.keySet()));
            }
            double[] r = workload.get();
            System.out.printf("RESULT\t%s\t%.6g\t%.6g%n", name, r[0], r[1]);
            System.out.flush();
        }
    }

    private static Dataset train() {
        if (train == null) {
            train = FashionMnist.train();
            test = FashionMnist.test();
        }
        return train;
    }

    /**
     * C = A B for float32 2048 x 2048 matrices, into a preallocated row-major C (PyTorch's order) through {@link Gemm}, the
     * product repro4j's dense layers run (oneDNN's sgemm): the large-GEMM rate beside which the table shows each
     * matrix-heavy workload's. ND4J's own {@code mmul} runs OpenBLAS, which none of those layers calls.
     */
    private static double[] gemm() {
        int n = 2048;
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        double s = Harness.median(2, 10, 10, () -> Gemm.gemm(a, b, c, false, false, 1, 0));
        return new double[] {s, 2.0 * n * n * n};
    }

    /** Reading the 60k + 10k Fashion-MNIST images and labels from the gzipped IDX files into float arrays in [0, 1]. */
    private static double[] load() {
        double s = Harness.median(1, 5, 20, () -> {
            Dataset a = FashionMnist.train();
            Dataset b = FashionMnist.test();
            if (a.size() + b.size() != 70_000) {
                throw new IllegalStateException("Fashion-MNIST: expected 70,000 images");
            }
        });
        return new double[] {s, 0};
    }

    /** Forward FLOPs of a dense stack of these widths at batch {@code batch}. */
    private static double denseFlops(int[] widths, int batch) {
        double f = 0;
        for (int i = 0; i + 1 < widths.length; i++) {
            f += 2.0 * batch * widths[i] * widths[i + 1];
        }
        return f;
    }

    /**
     * One Adam step of LeNet-300-100 on a batch drawn as {@code Trainer} draws it: rows of a random
     * permutation copied out of the training set, then {@code fit}. Timed over {@code steps} steps.
     */
    private static double[] lenetStep(int batch, int steps) {
        Dataset data = train();
        MultiLayerNetwork net = Models.lenet300100(1);
        double s = trainSteps(net, data, batch, steps);
        return new double[] {s, 3 * denseFlops(LENET, batch)};
    }

    private static double trainSteps(MultiLayerNetwork net, Dataset data, int batch, int steps) {
        OwnGradientUpdaters.install(net);   // as Trainer.fit does
        INDArray features = data.features();
        INDArray oneHot = data.oneHotLabels();
        int[] order = Trainer.permutation(data.size(), new SplittableRandom(7));
        int[] next = {0};
        double s = Harness.median(1, 15, 15, () -> {
            for (int k = 0; k < steps; k++) {
                if (next[0] + batch > order.length) {
                    next[0] = 0;
                }
                int[] rows = Arrays.copyOfRange(order, next[0], next[0] + batch);
                next[0] += batch;
                try (INDArray x = Dataset.gatherRows(features, rows); INDArray y = Dataset.gatherRows(oneHot, rows)) {
                    net.fit(new DataSet(x, y));
                }
            }
        });
        return s / steps;
    }

    /** {@link Evaluation} (loss and accuracy, in its chunks of 500 rows) of LeNet-300-100 on the 10k test images. */
    private static double[] lenetEval() {
        train();
        MultiLayerNetwork net = Models.lenet300100(1);
        double s = Harness.median(2, 15, 10, () -> Evaluation.of(net, test));
        return new double[] {s, denseFlops(LENET, test.size())};
    }

    /**
     * The small conv net: two 3x3 same-padded ReLU convolutions of 8 channels, a 2x2 max-pool, dense
     * 64-64 and a softmax over 10 ({@code Models.conv(1, 28, 28, [8], [64, 64], 10)}).
     */
    static MultiLayerNetwork convNet() {
        return Models.conv(1, 28, 28, List.of(8), List.of(64, 64), 10, new FastAdam(3e-4), 1);
    }

    /** Forward FLOPs of {@link #convNet} at batch {@code batch}. */
    private static double convFlops(int batch) {
        double pixels = 28 * 28;
        double conv = 2.0 * batch * pixels * 8 * (1 * 9) + 2.0 * batch * pixels * 8 * (8 * 9);
        return conv + denseFlops(new int[] {8 * 14 * 14, 64, 64, 10}, batch);
    }

    private static double[] convStep(int batch, int steps) {
        Dataset data = train();
        MultiLayerNetwork net = convNet();
        double s = trainSteps(net, data, batch, steps);
        return new double[] {s, 3 * convFlops(batch)};
    }

    /** {@link Evaluation} of the conv net on the first 2,000 test images (four chunks of 500). */
    private static double[] convEval() {
        train();
        MultiLayerNetwork net = convNet();
        Dataset head = test.head(2000);
        double s = Harness.median(1, 10, 10, () -> Evaluation.of(net, head));
        return new double[] {s, convFlops(head.size())};
    }

    /** The 2-D denoiser: a {@link TimeMlp} with SiLU layers 256-256-256 and 16 embedding frequencies. */
    private static TimeMlp denoiserNet() {
        return TimeMlp.create(2, List.of(256, 256, 256), 16, new FastAdam(1e-3), 1);
    }

    private static final int[] DENOISER = {2 + 32, 256, 256, 256, 2};

    /** One Adam step of the denoiser on a batch of 512 noisy 2-D points (x, condition, target given). */
    private static double[] denoiserStep() {
        TimeMlp net = denoiserNet();
        int batch = 512;
        int steps = 20;
        INDArray x = Nd4j.randn(DataType.DOUBLE, batch, 2);
        INDArray c = Nd4j.rand(DataType.DOUBLE, batch);
        INDArray target = Nd4j.randn(DataType.DOUBLE, batch, 2);
        double s = Harness.median(1, 15, 10, () -> {
            for (int k = 0; k < steps; k++) {
                net.fit(x, c, target, null);
            }
        });
        return new double[] {s / steps, 3 * denseFlops(DENOISER, batch)};
    }

    /** DDPM's linear 1000-step schedule (betas 1e-4 to 0.02) as alpha-bars, and its epsilon parametrisation. */
    private static final double[] DDPM = Schedules.alphaBars(Schedules.linearBetas(1000, 1e-4, 0.02));
    private static final Preconditioning EPS = Preconditioning.eps(Preconditioning.timestep(DDPM));

    /**
     * DDIM (eta = 0) in 50 steps from noise for 10,000 2-D points, with the epsilon-parametrised
     * denoiser on a 1000-step linear schedule.
     */
    private static double[] ddim() {
        TimeMlp net = denoiserNet();
        double[] sigmas = Schedules.spaced(DDPM, 50);
        var denoiser = EPS.denoiser(net);
        int n = 10_000;
        INDArray start = Nd4j.randn(DataType.DOUBLE, n, 2).muli(sigmas[0]);
        var random = new SplittableRandom(3);
        double s = Harness.median(1, 7, 15, () -> Samplers.ddim(denoiser, start, sigmas, 0, random, Step.Callback.NONE));
        return new double[] {s, 50 * denseFlops(DENOISER, n)};
    }

    /** The U-Net's level widths at laptop scale (28x28, 14x14, 7x7), its embedding frequencies and group-norm groups. */
    private static final List<Integer> UNET = List.of(16, 32, 32);
    private static final int UNET_FREQUENCIES = 16;
    private static final int UNET_GROUPS = 8;

    /** The time-conditioned {@link UNet} on 1 x 28 x 28 images, Adam at 1e-3; logs its parameter count. */
    private static UNet unet() {
        UNet net = UNet.create(1, 28, 28, UNET, UNET_FREQUENCIES, UNET_GROUPS, new FastAdam(1e-3), 1);
        System.err.printf("unet %s, %d frequencies, %d groups: %d parameters%n", UNET, UNET_FREQUENCIES, UNET_GROUPS,
                net.network().numParams());
        return net;
    }

    /**
     * Forward FLOPs of {@link #unet} at batch {@code batch}: 2 k^2 C_in C_out H W a convolution (3x3 in the
     * blocks, 1x1 out), plus the embedding's MLP and each block's projection of it; norms and SiLUs not counted.
     */
    private static double unetFlops(int batch) {
        int time = 4 * UNET.get(0);
        double f = denseFlops(new int[] {2 * UNET_FREQUENCIES, time, time}, 1);
        int levels = UNET.size();
        for (int l = 0; l < levels; l++) {
            int in = l == 0 ? 1 : UNET.get(l - 1);
            f += unetBlockFlops(in, UNET.get(l), 28 >> l, time);
        }
        for (int l = levels - 2; l >= 0; l--) {
            f += unetBlockFlops(UNET.get(l + 1) + UNET.get(l), UNET.get(l), 28 >> l, time);
        }
        return batch * (f + 2.0 * 28 * 28 * UNET.get(0));
    }

    /** One block at one image: conv 3x3 in -> w, conv 3x3 w -> w at side x side, and the projection time -> w. */
    private static double unetBlockFlops(int in, int w, int side, int time) {
        return 2.0 * 9 * side * side * (in * w + w * w) + 2.0 * time * w;
    }

    /**
     * One Adam step of the U-Net on DDPM's epsilon objective, the body of {@link DenoiserTraining#fit}'s loop:
     * {@code batch} training images drawn with replacement, a timestep each uniform over the 1000
     * ({@link Objectives#ddpmSigmas}), then {@link DenoiserTraining#denoising}'s step (noise, scaled input,
     * target epsilon, {@code fit} on the mean squared error).
     */
    private static double[] unetStep(int batch) {
        INDArray images = train().features();
        UNet net = unet();
        DenoiserTraining.Objective objective = DenoiserTraining.denoising(EPS, (n, random) -> Objectives.ddpmSigmas(DDPM, n, random));
        long[] iteration = {0};
        double s = Harness.median(1, 10, 15, () -> {
            var random = new SplittableRandom(iteration[0] + 1);
            try (INDArray x0 = Dataset.gatherRows(images, random.ints(batch, 0, (int) images.rows()).toArray())) {
                objective.step(net, x0, iteration[0]++, random);
            }
        });
        return new double[] {s, 3 * unetFlops(batch)};
    }

    /** One step of {@link Samplers#ddim} (eta = 0) with the U-Net for {@code batch} images: the first of 50 spaced steps. */
    private static double[] unetSampleStep(int batch) {
        var denoiser = EPS.denoiser(unet());
        double[] sigmas = Arrays.copyOf(Schedules.spaced(DDPM, 50), 2);
        INDArray start = Nd4j.randn(DataType.FLOAT, batch, 28 * 28).muli(sigmas[0]);
        var random = new SplittableRandom(3);
        double s = Harness.median(2, 15, 10, () -> Samplers.ddim(denoiser, start, sigmas, 0, random, Step.Callback.NONE));
        return new double[] {s, unetFlops(batch)};
    }

    private static MultiLayerNetwork bigNet() {
        return Models.mlp(784, BIG, 10, new FastAdam(1e-3), 1);
    }

    /** Global magnitude pruning of the 10.5M-weight MLP from dense to 20 % density. */
    private static double[] magnitude() {
        MultiLayerNetwork net = bigNet();
        Masks dense = Masks.dense(net);
        var pruner = Pruners.get("magnitude", 0);
        double s = Harness.median(1, 7, 20, () -> pruner.prune(net, dense, 0.2, null));
        return new double[] {s, 0};
    }

    /** One round of SynFlow scores (float64 copy, |w|, forward and backward on ones) of the 10.5M-weight MLP. */
    private static double[] synflow() {
        MultiLayerNetwork net = bigNet();
        Masks dense = Masks.dense(net);
        double s = Harness.median(1, 7, 20, () -> SynFlow.scores(net, dense));
        return new double[] {s, 0};
    }
}
