package org.repro4j.models;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.repro4j.Check;
import org.repro4j.norm.GhostBatchNormalization;
import org.repro4j.optim.FastAdam;

/**
 * Factories for the networks the notebooks train, each named by its architecture and carrying the
 * defaults of the paper that made it standard, so a notebook starts from a default and changes one
 * thing. Every factory returns an initialised network; the same seed gives the same weights.
 */
public final class Models {

    private Models() {
    }

    /**
     * LeNet-300-100 (LeCun et al. 1998): a 784-300-100-10 ReLU MLP with a softmax output, trained
     * with Adam at learning rate 1.2e-3 as in Frankle and Carbin, "The Lottery Ticket Hypothesis"
     * (ICLR 2019), Figure 2.
     *
     * @param seed seed of the weight initialisation
     */
    public static MultiLayerNetwork lenet300100(long seed) {
        return lenet300100(new FastAdam(1.2e-3), seed);
    }

    /** LeNet-300-100 (see {@link #lenet300100(long)}) trained by {@code updater}. */
    public static MultiLayerNetwork lenet300100(IUpdater updater, long seed) {
        return mlp(28 * 28, List.of(300, 100), 10, updater, seed);
    }

    /**
     * A fully connected classifier: ReLU hidden layers with He-normal initial weights (He et al.
     * 2015, eq. 10) and zero biases, then a softmax layer with cross-entropy loss.
     *
     * @param inputs  number of input features, at least 1
     * @param hidden  width of each hidden layer, in order (may be empty), each at least 1
     * @param classes number of output classes, at least 2
     * @param updater the optimiser and its learning rate
     * @param seed    seed of the weight initialisation
     */
    public static MultiLayerNetwork mlp(int inputs, List<Integer> hidden, int classes, IUpdater updater, long seed) {
        return mlp(inputs, hidden, classes, updater, WeightInit.RELU.getWeightInitFunction(), true, HiddenNorm.NONE, 0, seed);
    }

    /**
     * The classifier of {@link #mlp(int, List, int, IUpdater, long)} with every weight tensor drawn
     * by {@code weightInit} (e.g. {@link org.repro4j.init.Scaled} for the initial-scale knob of
     * rich versus lazy learning) and, if {@code biases} is false, no bias at all, which keeps the
     * network positively homogeneous in its weights (scaling every weight by a makes the logits
     * a^depth times larger).
     */
    public static MultiLayerNetwork mlp(int inputs, List<Integer> hidden, int classes, IUpdater updater, IWeightInit weightInit,
                                        boolean biases, long seed) {
        return mlp(inputs, hidden, classes, updater, weightInit, biases, HiddenNorm.NONE, 0, seed);
    }

    /**
     * How the hidden layers of {@link #mlp(int, List, int, IUpdater, long, HiddenNorm)} normalise their
     * pre-activations; the output layer is never normalised.
     */
    public enum HiddenNorm {
        /** No normalisation: {@code relu(W x + b)}. */
        NONE,
        /**
         * Batch norm (Ioffe and Szegedy 2015, Algorithm 1) between the affine map and the ReLU:
         * {@code relu(BN(W x + b))}, statistics over the examples of the batch in training and running
         * averages (DL4J's decay 0.9, eps 1e-5) at test time; the learned gamma and beta are the scale and shift.
         */
        BATCH,
        /**
         * Layer norm (Ba, Kiros and Hinton 2016, eq. 4): {@code relu(g * (z - mean(z)) / std(z) + b)} with
         * {@code z = W x} and the statistics over the units of each example, the same in training and at
         * test time (DL4J's dense layer with {@code hasLayerNorm(true)}: gain g, the bias as shift).
         */
        LAYER;

        /** The mode named {@code name} ("none", "batch", "layer"; case-insensitive); throws listing the known names. */
        public static HiddenNorm of(String name) {
            for (HiddenNorm norm : values()) {
                if (norm.name().equalsIgnoreCase(name.trim())) {
                    return norm;
                }
            }
            throw new IllegalArgumentException("norm: unknown normalisation '" + name + "'; known: none, batch, layer");
        }
    }

    /**
     * {@link #mlp(int, List, int, IUpdater, long)} with every hidden layer normalised by {@code norm}.
     * The layer-norm paper's MNIST model is {@code mlp(784, List.of(1000, 1000), 10, new FastAdam(...), seed,
     * HiddenNorm.LAYER)} (Ba, Kiros and Hinton 2016, section 6.7: normalisation on the hidden layers only).
     */
    public static MultiLayerNetwork mlp(int inputs, List<Integer> hidden, int classes, IUpdater updater, long seed,
                                        HiddenNorm norm) {
        return mlp(inputs, hidden, classes, updater, WeightInit.RELU.getWeightInitFunction(), true, norm, 0, seed);
    }

    /**
     * {@link #mlp(int, List, int, IUpdater, long, HiddenNorm)} with {@link HiddenNorm#BATCH} whose statistics in
     * training come from ghost batches of {@code ghostSize} examples ({@link GhostBatchNormalization}): Hoffer,
     * Hubara and Soudry, "Train longer, generalize better" (NeurIPS 2017), Algorithm 1, which gives a large batch
     * the batch-norm noise of a small one. The parameters are those of {@code HiddenNorm.BATCH} except that the
     * running variance is kept as a variance ({@code i_var} in place of {@code i_log10stdev}).
     *
     * @param ghostSize examples per ghost batch, at least 2 (the paper uses 128)
     */
    public static MultiLayerNetwork mlp(int inputs, List<Integer> hidden, int classes, IUpdater updater, long seed,
                                        int ghostSize) {
        Check.atLeast("ghostSize", ghostSize, 2);
        return mlp(inputs, hidden, classes, updater, WeightInit.RELU.getWeightInitFunction(), true, HiddenNorm.BATCH, ghostSize, seed);
    }

    /** The one builder of the MLPs above; {@code ghostSize} 0 is DL4J's batch norm where {@code norm} is BATCH. */
    private static MultiLayerNetwork mlp(int inputs, List<Integer> hidden, int classes, IUpdater updater, IWeightInit weightInit,
                                         boolean biases, HiddenNorm norm, int ghostSize, long seed) {
        if (norm == null) {
            throw new IllegalArgumentException("norm: expected NONE, BATCH or LAYER, got null");
        }
        if (inputs < 1) {
            throw new IllegalArgumentException("inputs: expected at least 1, got " + inputs);
        }
        if (classes < 2) {
            throw new IllegalArgumentException("classes: expected at least 2, got " + classes);
        }
        for (int i = 0; i < hidden.size(); i++) {
            if (hidden.get(i) < 1) {
                throw new IllegalArgumentException("hidden[" + i + "]: expected a width of at least 1, got " + hidden.get(i));
            }
        }
        var layers = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater)
                .weightInit(weightInit)
                .list();
        for (int width : hidden) {
            switch (norm) {
                case NONE -> layers.layer(new DenseLayer.Builder().nOut(width).hasBias(biases).activation(Activation.RELU).build());
                case LAYER -> layers.layer(new DenseLayer.Builder().nOut(width).hasBias(biases).hasLayerNorm(true).activation(Activation.RELU).build());
                case BATCH -> {
                    layers.layer(new DenseLayer.Builder().nOut(width).hasBias(biases).activation(Activation.IDENTITY).build());
                    layers.layer(ghostSize > 0 ? new GhostBatchNormalization(ghostSize) : new BatchNormalization.Builder().build());
                    layers.layer(new ActivationLayer.Builder().activation(Activation.RELU).build());
                }
            }
        }
        layers.layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(classes).hasBias(biases).activation(Activation.SOFTMAX).build());
        var net = new MultiLayerNetwork(layers.setInputType(InputType.feedForward(inputs)).build());
        net.init();
        return FastLayers.install(net);
    }

    /**
     * The Conv-2/4/6 family of Frankle and Carbin, "The Lottery Ticket Hypothesis" (ICLR 2019),
     * Figure 2 (after Simonyan and Zisserman's VGG): blocks of two 3x3 same-padded ReLU convolutions
     * and a 2x2 max-pool, then ReLU dense layers and a softmax output. Conv-2 is {@code blocks = [64]},
     * {@code dense = [256, 256]}; Conv-4 {@code [64, 128]}; Conv-6 {@code [64, 128, 256]}.
     * Weights are He-normal (Glorot in the paper), biases zero. Input rows are images flattened
     * channel-major, as in {@link org.repro4j.data.Dataset}. Convolutions and poolings run through
     * libnd4j's native ops ({@link NativeConv}).
     *
     * @param channels, height, width the input images
     * @param blocks   output channels of the two convolutions of each block, at least one block
     * @param dense    widths of the dense layers after the convolutions
     */
    public static MultiLayerNetwork conv(int channels, int height, int width, List<Integer> blocks, List<Integer> dense,
                                         int classes, IUpdater updater, long seed) {
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("blocks: expected at least one block, got none");
        }
        if (classes < 2) {
            throw new IllegalArgumentException("classes: expected at least 2, got " + classes);
        }
        var layers = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater)
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Same)
                .list();
        for (int i = 0; i < blocks.size(); i++) {
            if (blocks.get(i) < 1) {
                throw new IllegalArgumentException("blocks[" + i + "]: expected at least 1 channel, got " + blocks.get(i));
            }
            for (int twice = 0; twice < 2; twice++) {
                layers.layer(new ConvolutionLayer.Builder(3, 3).nOut(blocks.get(i)).activation(Activation.RELU).build());
            }
            layers.layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build());
        }
        for (int i = 0; i < dense.size(); i++) {
            if (dense.get(i) < 1) {
                throw new IllegalArgumentException("dense[" + i + "]: expected a width of at least 1, got " + dense.get(i));
            }
            layers.layer(new DenseLayer.Builder().nOut(dense.get(i)).activation(Activation.RELU).build());
        }
        layers.layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(classes).activation(Activation.SOFTMAX).build());
        var net = new MultiLayerNetwork(layers.setInputType(InputType.convolutionalFlat(height, width, channels)).build());
        net.init();
        return FastLayers.install(net);
    }

    /**
     * The CIFAR ResNets of He et al., "Deep Residual Learning for Image Recognition" (CVPR 2016),
     * section 4.2, as used by Frankle, Schwab and Morcos, "Training BatchNorm and Only BatchNorm"
     * (ICLR 2021): a 3x3 convolution, then {@code stageWidths.size()} stages of {@code blocksPerStage}
     * residual blocks (conv-BN-ReLU-conv-BN plus the shortcut, then ReLU), the first block of every stage
     * after the first halving the resolution with stride 2 and a 1x1 convolution + BN projection on its
     * shortcut (option B), then global average pooling and a softmax layer. Batch norm follows every
     * convolution, and no convolution has a bias (beta is the shift). With three stages the depth is
     * 6n + 2 (ResNet-20: n = 3, widths 16, 32, 64). Weights are He-normal, gamma 1 and beta 0.
     * Convolutions run through libnd4j's native ops ({@link NativeConv}).
     *
     * @param channels, height, width the input images, rows flattened channel-major as in {@link org.repro4j.data.Dataset}
     * @param blocksPerStage residual blocks in each stage, at least 1
     * @param stageWidths    channels of each stage, at least one stage
     */
    public static ComputationGraph resnet(int channels, int height, int width, int blocksPerStage, List<Integer> stageWidths,
                                          int classes, IUpdater updater, long seed) {
        if (blocksPerStage < 1) {
            throw new IllegalArgumentException("blocksPerStage: expected at least 1, got " + blocksPerStage);
        }
        if (stageWidths.isEmpty()) {
            throw new IllegalArgumentException("stageWidths: expected at least one stage, got none");
        }
        if (classes < 2) {
            throw new IllegalArgumentException("classes: expected at least 2, got " + classes);
        }
        for (int s = 0; s < stageWidths.size(); s++) {
            if (stageWidths.get(s) < 1) {
                throw new IllegalArgumentException("stageWidths[" + s + "]: expected at least 1 channel, got " + stageWidths.get(s));
            }
        }
        var graph = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater)
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("input")
                .setInputTypes(InputType.convolutionalFlat(height, width, channels));
        String last = convBn(graph, "stem", "input", stageWidths.get(0), 3, 1);
        last = relu(graph, "stem", last);
        for (int s = 0; s < stageWidths.size(); s++) {
            for (int b = 0; b < blocksPerStage; b++) {
                String name = "s" + (s + 1) + "b" + (b + 1);
                int stride = s > 0 && b == 0 ? 2 : 1;
                String branch = relu(graph, name + "_1", convBn(graph, name + "_1", last, stageWidths.get(s), 3, stride));
                branch = convBn(graph, name + "_2", branch, stageWidths.get(s), 3, 1);
                String shortcut = stride == 1 ? last : convBn(graph, name + "_proj", last, stageWidths.get(s), 1, stride);
                graph.addVertex(name + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), branch, shortcut);
                last = relu(graph, name, name + "_add");
            }
        }
        graph.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), last)
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nOut(classes).activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out");
        var net = new ComputationGraph(graph.build());
        net.init();
        return FastLayers.install(net);
    }

    /** A bias-free {@code kernel} x {@code kernel} convolution named {@code name + "_conv"} and its batch norm {@code name + "_bn"}. */
    private static String convBn(ComputationGraphConfiguration.GraphBuilder graph, String name, String input, int channels,
                                 int kernel, int stride) {
        graph.addLayer(name + "_conv", new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nOut(channels)
                        .hasBias(false).activation(Activation.IDENTITY).build(), input)
                .addLayer(name + "_bn", new BatchNormalization.Builder().build(), name + "_conv");
        return name + "_bn";
    }

    private static String relu(ComputationGraphConfiguration.GraphBuilder graph, String name, String input) {
        graph.addLayer(name + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), input);
        return name + "_relu";
    }
}
