package org.repro4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.repro4j.experiment.Hparams;
import org.repro4j.experiment.ResultsStore;
import org.repro4j.experiment.Run;
import org.repro4j.train.Nets;
import org.repro4j.train.TrainingInterruptedException;

class UNetTest {

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    /** A two-level U-Net on 1 x 8 x 8 images: widths 4 and 8, 4 frequencies, group norm with 2 groups. */
    static UNet tiny(long seed) {
        return UNet.create(1, 8, 8, List.of(4, 8), 4, 2, new Adam(2e-3), seed);
    }

    /** Eight fixed 8x8 images in [-1, 1]: a bright bar on a dark ground, horizontal or vertical, at four positions. */
    static final INDArray IMAGES = bars();

    private static INDArray bars() {
        double[] values = new double[8 * 64];
        java.util.Arrays.fill(values, -1);
        for (int i = 0; i < 8; i++) {
            int at = 2 * (i % 4);
            for (int k = 0; k < 8; k++) {
                values[i * 64 + (i < 4 ? at * 8 + k : k * 8 + at)] = 1;
                values[i * 64 + (i < 4 ? (at + 1) * 8 + k : k * 8 + at + 1)] = 1;
            }
        }
        return Nd4j.create(values, new long[] {8, 64}, 'c');
    }

    /** Draws n of the {@link #IMAGES}, with replacement. */
    static INDArray sampleBars(int n, java.util.random.RandomGenerator random) {
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = random.nextInt(8);
        }
        return IMAGES.getRows(rows);
    }

    @Test
    void theOutputHasTheShapeOfTheInput() {
        UNet net = tiny(1);
        INDArray x = sampleBars(3, new SplittableRandom(1));
        INDArray out = net.output(x, Nd4j.createFromArray(0.1, 0.5, 0.9));
        assertArrayEquals(new long[] {3, 64}, out.shape());
        // three levels on 28x28 Fashion-MNIST rows
        UNet fashion = UNet.create(1, 28, 28, List.of(4, 8, 8), 4, 4, new Adam(1e-3), 1);
        assertArrayEquals(new long[] {2, 784}, fashion.output(Nd4j.rand(DataType.FLOAT, 2, 784), Nd4j.createFromArray(0.0, 1.0)).shape());
    }

    @Test
    void theConditionChangesTheOutput() {
        UNet net = tiny(2);
        INDArray x = sampleBars(2, new SplittableRandom(2));
        INDArray a = net.output(x, Nd4j.createFromArray(0.1, 0.1));
        INDArray b = net.output(x, Nd4j.createFromArray(0.1, 0.7));
        assertEquals(a.getRow(0), b.getRow(0));
        assertFalse(a.getRow(1).equalsWithEps(b.getRow(1), 1e-6), "the embedding reaches the output");
    }

    @Test
    void oneConditionForAllRowsGivesTheValuesOfTheSameConditionRepeated() {
        UNet net = tiny(3);
        INDArray x = sampleBars(3, new SplittableRandom(3));
        assertArrayEquals(net.output(x, Nd4j.createFromArray(0.4, 0.4, 0.4)).toFloatMatrix(), net.output(x, 0.4).toFloatMatrix());
    }

    /** Features [n, 3, 2, 2] through a 1x1 tanh convolution, an embedding [n, 3] through a tanh dense layer, then ChannelAdd and MSE. */
    private static ComputationGraph channelAddGraph(DataType dataType) {
        var conf = new NeuralNetConfiguration.Builder().seed(4).dataType(dataType).updater(new NoOp()).graphBuilder()
                .addInputs("f", "e")
                .addLayer("conv", new ConvolutionLayer.Builder(1, 1).nOut(3).activation(Activation.TANH).build(), "f")
                .addLayer("proj", new DenseLayer.Builder().nOut(3).activation(Activation.TANH).build(), "e")
                .addVertex("add", new ChannelAdd(), "conv", "proj")
                .addLayer("loss", new LossLayer.Builder(LossFunction.MSE).activation(Activation.IDENTITY).build(), "add")
                .setOutputs("loss").setInputTypes(InputType.convolutional(2, 2, 3), InputType.feedForward(3)).build();
        var graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    @Test
    void channelAddAddsTheEmbeddingOfEachExampleToEveryPositionOfItsChannel() {
        var graph = channelAddGraph(DataType.DOUBLE);
        Nd4j.getRandom().setSeed(6);
        INDArray f = Nd4j.rand(DataType.DOUBLE, 2, 3, 2, 2), e = Nd4j.rand(DataType.DOUBLE, 2, 3);
        var activations = graph.feedForward(new INDArray[] {f, e}, false);
        INDArray conv = activations.get("conv"), proj = activations.get("proj"), add = activations.get("add");
        assertArrayEquals(new long[] {2, 3, 2, 2}, add.shape());
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int h = 0; h < 2; h++) {
                    for (int w = 0; w < 2; w++) {
                        assertEquals(conv.getDouble(n, c, h, w) + proj.getDouble(n, c), add.getDouble(n, c, h, w), 0.0);
                    }
                }
            }
        }
    }

    @Test
    void channelAddGradientsMatchFiniteDifferences() {
        inDoublePrecision(() -> {
            var graph = channelAddGraph(DataType.DOUBLE);
            Nd4j.getRandom().setSeed(7);
            INDArray f = Nd4j.rand(DataType.DOUBLE, 4, 3, 2, 2), e = Nd4j.rand(DataType.DOUBLE, 4, 3).subi(0.5);
            INDArray labels = Nd4j.rand(DataType.DOUBLE, 4, 12);
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(graph).inputs(new INDArray[] {f, e})
                    .labels(new INDArray[] {labels}).epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-8)));
        });
    }

    /** Runs {@code check} with ND4J's default floating-point type set to double, as DL4J's gradient check needs. */
    private static void inDoublePrecision(Runnable check) {
        DataType before = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            check.run();
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    @Test
    void aSavedAndRestoredUNetGivesBitIdenticalOutputs(@TempDir Path dir) throws IOException {
        UNet net = tiny(5);
        Objectives.step(net, TrainingTest.EPS, sampleBars(8, new SplittableRandom(5)), new double[] {1, 2, 3, 4, 5, 6, 7, 8},
                new SplittableRandom(5));
        ComputationGraphConfiguration conf = net.network().getConfiguration();
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
        Path file = dir.resolve("unet.zip");
        try (OutputStream out = Files.newOutputStream(file)) {
            Nets.write(net.network(), out, true);
        }
        NoiseNet restored = NoiseNet.of(Nets.restore(file, true));
        assertInstanceOf(UNet.class, restored);
        INDArray x = sampleBars(4, new SplittableRandom(6));
        INDArray c = Nd4j.createFromArray(0.0, 0.3, 0.6, 1.0);
        assertEquals(net.output(x, c), restored.output(x, c));
        assertEquals(net.network().params(), restored.network().params());
    }

    @Test
    void badInputIsRejectedNamingTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> UNet.create(1, 28, 28, List.of(8, 16, 16, 32), 4, 4, new Adam(1e-3), 1));
        assertEquals("height, width: expected multiples of 8 for 4 levels, got 28x28", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> UNet.create(1, 8, 8, List.of(4, 6), 4, 4, new Adam(1e-3), 1));
        assertEquals("groups: expected 0 or a divisor of every width [4, 6], got 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> UNet.create(1, 8, 8, List.of(4, 0), 4, 2, new Adam(1e-3), 1));
        assertEquals("widths[1]: expected at least 1 channel, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> UNet.create(1, 8, 8, List.of(4), 0, 2, new Adam(1e-3), 1));
        assertEquals("frequencies: expected at least 1, got 0", e.getMessage());
        UNet net = tiny(1);
        e = assertThrows(IllegalArgumentException.class, () -> net.output(Nd4j.zeros(2, 63), Nd4j.zeros(2)));
        assertEquals("x: expected shape [n, 64], got [2, 63]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> net.fit(Nd4j.zeros(2, 64), Nd4j.zeros(2), Nd4j.zeros(2, 16), null));
        assertEquals("target: expected shape [2, 64], got [2, 16]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NoiseNet.of(null));
        assertEquals("net: expected a MultiLayerNetwork (TimeMlp) or a ComputationGraph (UNet), got null", e.getMessage());
    }

    /** Tiny U-Net eps-prediction runs in the results store. */
    record TinyUNet(long iterations) implements Hparams {
        @Override
        public Hparams defaults() {
            return new TinyUNet(8);
        }
    }

    private static Run run(Path store, DenoiserTraining.Data data) {
        return DenoiserTraining.runOrLoad(new TinyUNet(8), new ResultsStore(store), () -> tiny(9), TrainingTest.EPS, data,
                (n, random) -> Objectives.ddpmSigmas(TrainingTest.DDPM, n, random), new DenoiserTraining.Options(8, 8, 3, 2, 4), QUIET);
    }

    @Test
    void anInterruptedUNetRunResumesToExactlyTheParametersOfAnUninterruptedOne(@TempDir Path interrupted, @TempDir Path whole) {
        var calls = new AtomicInteger();
        DenoiserTraining.Data interrupting = (n, random) -> {
            if (calls.incrementAndGet() == 5) {  // during iteration 5: the loop stops before iteration 6
                Thread.currentThread().interrupt();
            }
            return sampleBars(n, random);
        };
        assertThrows(TrainingInterruptedException.class, () -> run(interrupted, interrupting));
        assertTrue(Thread.interrupted());
        Run resumed = run(interrupted, UNetTest::sampleBars);
        assertEquals(8 - 4, resumed.iterationsThisTime(), "resumed from the checkpoint at iteration 4");
        Run uninterrupted = run(whole, UNetTest::sampleBars);
        assertEquals(uninterrupted.net().params(), resumed.net().params());
        assertEquals(uninterrupted.metrics().doubleColumn("loss").asList(), resumed.metrics().doubleColumn("loss").asList());
        assertInstanceOf(UNet.class, DenoiserTraining.network(run(whole, (n, random) -> {
            throw new AssertionError("a finished run must not draw training data");
        })));
    }

    /** Half the mean of |F - eps|^2 a row on the eight images at four fixed noise levels with fixed noise: DDPM's L_simple. */
    private static double heldOutLoss(UNet net) {
        var random = new SplittableRandom(42);
        double total = 0;
        double[] sigmas = {0.2, 0.5, 1, 2};
        for (double sigma : sigmas) {
            INDArray noise = Batches.gaussian(new long[] {8, 64}, DataType.FLOAT, random);
            INDArray x = noise.mul(sigma).addi(IMAGES.castTo(DataType.FLOAT));
            double[] levels = {sigma, sigma, sigma, sigma, sigma, sigma, sigma, sigma};
            INDArray input = x.mulColumnVector(Preconditioning.column(levels, TrainingTest.EPS.cIn()).castTo(DataType.FLOAT));
            INDArray error = net.output(input, Preconditioning.column(levels, TrainingTest.EPS.cNoise())).subi(noise);
            total += error.muli(error).sum(1).meanNumber().doubleValue() / 2;
        }
        return total / sigmas.length;
    }

    @Test
    void aHundredAndTwentyStepsLowerTheDenoisingLoss() {
        UNet net = tiny(11);
        double before = heldOutLoss(net);
        var history = DenoiserTraining.fit(net, DenoiserTraining.denoising(TrainingTest.EPS,
                (n, random) -> Objectives.ddpmSigmas(TrainingTest.DDPM, n, random)), UNetTest::sampleBars, new DenoiserTraining.Options(120, 16, 1, 40),
                QUIET, DenoiserTraining.emptyHistory(), null);
        double after = heldOutLoss(net);
        System.out.printf("U-Net training loss every 40 iterations %s; held-out eps loss %.3f -> %.3f%n",
                history.doubleColumn("loss").asList(), before, after);
        assertTrue(after < 0.6 * before, "held-out loss " + before + " -> " + after);
    }
}
