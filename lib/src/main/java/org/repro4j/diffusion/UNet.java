package org.repro4j.diffusion;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.repro4j.models.FastLayers;
import org.repro4j.models.OwnGradientUpdaters;
import org.repro4j.norm.GroupNormalization;

/**
 * A small time-conditioned U-Net F(x, c) for images given as rows [n, C*H*W] (channel-major, as
 * {@link org.repro4j.data.Dataset} stores them): the encoder-decoder with concatenated skip connections
 * of Ronneberger et al. 2015, conditioned as DDPM's (Ho et al. 2020, Appendix B): the sinusoidal embedding
 * of c ({@link TimeMlp#embedding}, Vaswani et al. 2017, section 3.5) goes through a two-layer SiLU MLP of
 * width 4 w_0, and each block adds its own linear projection of it to its first convolution's feature maps,
 * one value per channel ({@link ChannelAdd}).
 *
 * <p>Level l (from 0) works at resolution H / 2^l with w_l channels: a block of two 3x3 convolutions, each
 * followed by group norm (Wu and He 2018; none with {@code groups = 0}) and SiLU, the embedding added after
 * the first convolution. The encoder max-pools 2x2 between levels; the decoder upsamples by 2 (nearest
 * neighbour), concatenates the encoder's block of the same level and runs a block of w_l channels. A linear
 * 1x1 convolution maps back to C channels; the output is flattened channel-major like the input and trained
 * on squared error. Graph inputs: {@code x} (the rows) and {@code embedding} (the [n, 2K] embedding of c);
 * convolutions and poolings run through libnd4j's native ops ({@link NativeConv}).
 */
public final class UNet implements NoiseNet {

    /** The vertex of the first convolution, whose input preprocessor holds the image shape. */
    private static final String FIRST = "down0a";
    /** The first layer of the embedding's MLP, whose input size is the embedding's. */
    private static final String TIME = "time0";

    private final ComputationGraph graph;
    private final int dim;
    private final int frequencies;

    private UNet(ComputationGraph graph, int dim, int frequencies) {
        this.graph = graph;
        this.dim = dim;
        this.frequencies = frequencies;
    }

    /**
     * An initialised U-Net (He-normal convolutions, Xavier dense layers and output).
     *
     * @param channels, height, width the images; height and width divisible by 2^(levels - 1)
     * @param widths      channels w_l of each level, from the full resolution down; their count is the depth, at least 1
     * @param frequencies number K of embedding frequencies, at least 1
     * @param groups      group-norm groups, a divisor of every width; 0 for no normalisation
     * @param updater     the optimiser and its learning rate
     * @param seed        seed of the weight initialisation
     */
    public static UNet create(int channels, int height, int width, List<Integer> widths, int frequencies, int groups,
                              IUpdater updater, long seed) {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("channels, height, width: expected at least 1 each, got " + channels + ", "
                    + height + ", " + width);
        }
        if (widths.isEmpty()) {
            throw new IllegalArgumentException("widths: expected at least one level, got none");
        }
        int scale = 1 << (widths.size() - 1);
        if (height % scale != 0 || width % scale != 0) {
            throw new IllegalArgumentException("height, width: expected multiples of " + scale + " for " + widths.size()
                    + " levels, got " + height + "x" + width);
        }
        if (frequencies < 1) {
            throw new IllegalArgumentException("frequencies: expected at least 1, got " + frequencies);
        }
        for (int l = 0; l < widths.size(); l++) {
            if (widths.get(l) < 1) {
                throw new IllegalArgumentException("widths[" + l + "]: expected at least 1 channel, got " + widths.get(l));
            }
            if (groups < 0 || groups > 0 && widths.get(l) % groups != 0) {
                throw new IllegalArgumentException("groups: expected 0 or a divisor of every width " + widths + ", got " + groups);
            }
        }
        int time = 4 * widths.get(0);
        GraphBuilder b = new NeuralNetConfiguration.Builder().seed(seed).updater(updater).weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("x", "embedding");
        b.addLayer(TIME, new DenseLayer.Builder().nOut(time).activation(Activation.SWISH).weightInit(WeightInit.XAVIER).build(),
                "embedding");
        b.addLayer("time", new DenseLayer.Builder().nOut(time).activation(Activation.SWISH).weightInit(WeightInit.XAVIER).build(),
                TIME);
        String previous = "x";
        String[] skips = new String[widths.size()];
        for (int l = 0; l < widths.size(); l++) {
            if (l > 0) {
                b.addLayer("pool" + l, new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build(), previous);
                previous = "pool" + l;
            }
            previous = block(b, "down" + l, previous, widths.get(l), groups);
            skips[l] = previous;
        }
        for (int l = widths.size() - 2; l >= 0; l--) {
            b.addLayer("up" + l, new Upsampling2D.Builder(2).build(), previous);
            b.addVertex("cat" + l, new MergeVertex(), "up" + l, skips[l]);
            previous = block(b, "dec" + l, "cat" + l, widths.get(l), groups);
        }
        b.addLayer("out", new ConvolutionLayer.Builder(1, 1).nOut(channels).activation(Activation.IDENTITY)
                .weightInit(WeightInit.XAVIER).build(), previous);
        b.addLayer("loss", new LossLayer.Builder(LossFunction.MSE).activation(Activation.IDENTITY).build(), "out");
        b.setOutputs("loss").setInputTypes(InputType.convolutionalFlat(height, width, channels), InputType.feedForward(2L * frequencies));
        var graph = new ComputationGraph(b.build());
        graph.init();
        return new UNet(FastLayers.install(graph), channels * height * width, frequencies);
    }

    /** Adds the block {@code name} (conv, + embedding, norm, SiLU, conv, norm, SiLU) on {@code input}; returns its last vertex. */
    private static String block(GraphBuilder b, String name, String input, int width, int groups) {
        b.addLayer(name + "a", new ConvolutionLayer.Builder(3, 3).nOut(width).activation(Activation.IDENTITY).build(), input);
        b.addLayer(name + "t", new DenseLayer.Builder().nOut(width).activation(Activation.IDENTITY).weightInit(WeightInit.XAVIER)
                .build(), "time");
        b.addVertex(name + "+t", new ChannelAdd(), name + "a", name + "t");
        String last = normAndSilu(b, name + "1", name + "+t", groups);
        b.addLayer(name + "b", new ConvolutionLayer.Builder(3, 3).nOut(width).activation(Activation.IDENTITY).build(), last);
        return normAndSilu(b, name + "2", name + "b", groups);
    }

    private static String normAndSilu(GraphBuilder b, String name, String input, int groups) {
        if (groups > 0) {
            b.addLayer(name + "norm", new GroupNormalization(groups), input);
            input = name + "norm";
        }
        b.addLayer(name + "silu", new ActivationLayer.Builder().activation(Activation.SWISH).build(), input);
        return name + "silu";
    }

    /**
     * The UNet around a graph that {@link #create} built (e.g. one restored from the results store), its
     * image shape and embedding frequencies read from the graph.
     */
    public static UNet of(ComputationGraph graph) {
        var vertices = graph.getConfiguration().getVertices();
        if (!(vertices.get(FIRST) instanceof LayerVertex first) || !(first.getPreProcessor() instanceof FeedForwardToCnnPreProcessor image)
                || !(vertices.get(TIME) instanceof LayerVertex time) || !(time.getLayerConf().getLayer() instanceof DenseLayer dense)
                || graph.getNumInputArrays() != 2 || graph.getNumOutputArrays() != 1) {
            throw new IllegalArgumentException("graph: expected a U-Net of UNet.create (inputs x and embedding, vertices "
                    + FIRST + " and " + TIME + "), got inputs " + graph.getConfiguration().getNetworkInputs() + " and vertices "
                    + vertices.keySet());
        }
        return new UNet(graph, (int) (image.getNumChannels() * image.getInputHeight() * image.getInputWidth()),
                (int) (dense.getNIn() / 2));
    }

    /** The DL4J graph, whose inputs are x and the embedding of c. */
    @Override
    public ComputationGraph network() {
        return graph;
    }

    @Override
    public INDArray output(INDArray x, INDArray c) {
        return graph.output(false, inputs(x, c))[0];
    }

    @Override
    public double fit(INDArray x, INDArray c, INDArray target, INDArray weights) {
        Rows.checkTarget(x, target, weights, dim);
        OwnGradientUpdaters.install(graph);
        INDArray[] inputs = inputs(x, c);
        if (weights == null) {
            graph.fit(new MultiDataSet(inputs, new INDArray[] {target.castTo(dataType())}));
            return graph.score();
        }
        Rows.Moved moved = Rows.moved(graph.output(false, inputs)[0], target.castTo(dataType()), weights, dim);
        graph.fit(new MultiDataSet(inputs, new INDArray[] {moved.target()}));
        return moved.loss();
    }

    private INDArray[] inputs(INDArray x, INDArray c) {
        Rows.checkInput(x, c, dim);
        return new INDArray[] {x.castTo(dataType()), TimeMlp.embedding(c, frequencies).castTo(dataType())};
    }

    private DataType dataType() {
        return graph.getConfiguration().getDataType();
    }
}
