package org.repro4j.diffusion;

import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.repro4j.HostArrays;
import org.repro4j.models.FastLayers;
import org.repro4j.models.OwnGradientUpdaters;

/**
 * A noise-conditioned MLP F(x, c) for low-dimensional data: the input is x next to a sinusoidal
 * embedding of the noise condition c (Vaswani et al. 2017, section 3.5, as DDPM embeds its timestep),
 * sin(w_k c) and cos(w_k c) with frequencies w_k = 1000^(k / K) for k = 0..K-1, or, with K = 0, next to
 * c itself (the [x, t] input of Albergo et al. 2023's toy nets), followed by hidden layers (SiLU,
 * Hendrycks and Gimpel 2016, unless another activation is given) and a linear output of the data's
 * dimension trained on squared error. {@link Preconditioning} decides what c and the output mean.
 */
public final class TimeMlp implements NoiseNet {

    private final MultiLayerNetwork net;
    private final int dim;
    private final int frequencies;

    private TimeMlp(MultiLayerNetwork net, int dim, int frequencies) {
        this.net = net;
        this.dim = dim;
        this.frequencies = frequencies;
    }

    /**
     * A SiLU network.
     *
     * @param dim         dimension d of the data, at least 1
     * @param hidden      widths of the hidden layers, each at least 1
     * @param frequencies number K of embedding frequencies, at least 0 (the embedding has 2K features; 0: c itself)
     * @param updater     the optimiser and its learning rate
     * @param seed        seed of the weight initialisation
     */
    public static TimeMlp create(int dim, List<Integer> hidden, int frequencies, IUpdater updater, long seed) {
        return create(dim, hidden, frequencies, Activation.SWISH, updater, seed);
    }

    /** A network with {@code activation} in its hidden layers (e.g. {@code Activation.RELU}); else as {@link #create(int, List, int, IUpdater, long)}. */
    public static TimeMlp create(int dim, List<Integer> hidden, int frequencies, Activation activation, IUpdater updater,
                                 long seed) {
        if (dim < 1) {
            throw new IllegalArgumentException("dim: expected at least 1, got " + dim);
        }
        if (frequencies < 0) {
            throw new IllegalArgumentException("frequencies: expected at least 0, got " + frequencies);
        }
        var layers = new NeuralNetConfiguration.Builder().seed(seed).updater(updater).weightInit(WeightInit.XAVIER).list();
        for (int i = 0; i < hidden.size(); i++) {
            if (hidden.get(i) < 1) {
                throw new IllegalArgumentException("hidden[" + i + "]: expected a width of at least 1, got " + hidden.get(i));
            }
            layers.layer(new DenseLayer.Builder().nOut(hidden.get(i)).activation(activation).build());
        }
        layers.layer(new OutputLayer.Builder(LossFunction.MSE).nOut(dim).activation(Activation.IDENTITY).build());
        var net = new MultiLayerNetwork(layers.setInputType(InputType.feedForward(dim + features(frequencies))).build());
        net.init();
        return new TimeMlp(FastLayers.install(net), dim, frequencies);
    }

    /**
     * The TimeMlp around a network that {@link #create} built (e.g. one restored from the results
     * store), with the same number of embedding frequencies.
     */
    public static TimeMlp of(MultiLayerNetwork net, int frequencies) {
        if (frequencies < 0) {
            throw new IllegalArgumentException("frequencies: expected at least 0, got " + frequencies);
        }
        long in = net.layerInputSize(0);
        long dim = net.layerSize(net.getnLayers() - 1);
        if (in != dim + features(frequencies)) {
            throw new IllegalArgumentException("net: expected " + (dim + features(frequencies)) + " inputs for " + dim
                    + " dimensions and " + frequencies + " frequencies, got " + in);
        }
        return new TimeMlp(net, (int) dim, frequencies);
    }

    /**
     * The TimeMlp around a network that {@link #create} built, its number of embedding frequencies read from
     * its input size (d + 2K inputs, or d + 1 for K = 0).
     */
    public static TimeMlp of(MultiLayerNetwork net) {
        long extra = net.layerInputSize(0) - net.layerSize(net.getnLayers() - 1);
        return of(net, extra == 1 ? 0 : (int) (extra / 2));
    }

    /** Input features of the condition: 2K, or 1 (c itself) when K = 0. */
    private static int features(int frequencies) {
        return frequencies == 0 ? 1 : 2 * frequencies;
    }

    /** The DL4J network, whose input is [x, embedding(c)]. */
    @Override
    public MultiLayerNetwork network() {
        return net;
    }

    /** The sinusoidal embedding [n, 2K] of the conditions {@code c} ([n] or [n, 1]); c itself as [n, 1] when K = 0. */
    public static INDArray embedding(INDArray c, int frequencies) {
        if (frequencies == 0) {
            return c.castTo(DataType.DOUBLE).reshape(c.length(), 1);
        }
        double[] w = new double[frequencies];
        for (int k = 0; k < frequencies; k++) {
            w[k] = Math.pow(1000, (double) k / frequencies);
        }
        INDArray angles = c.castTo(DataType.DOUBLE).reshape(c.length(), 1).mmul(Nd4j.createFromArray(w).reshape(1, frequencies));
        return Nd4j.hstack(Transforms.sin(angles), Transforms.cos(angles));
    }

    @Override
    public INDArray output(INDArray x, INDArray c) {
        return net.output(input(x, c));
    }

    /**
     * F(x, c) for one condition c of every row: the embedding is computed once, for one row, and the input
     * [x, embedding] is filled in Java; the values are those of {@code output(x, c)} with c repeated. Measured
     * at n = 2,000 points: building the input from a column of conditions took as long as the network (14 ms
     * against 12.5 ms a call), and ND4J's broadcast of one row into [n, 2K] alone 37 ms.
     */
    @Override
    public INDArray output(INDArray x, double c) {
        Rows.checkInput(x, dim);
        double[] row = embedding(Nd4j.scalar(DataType.DOUBLE, c).reshape(1), frequencies).toDoubleVector();
        double[] points = HostArrays.toDoubles(x);   // row-major, n * dim
        int n = (int) x.rows(), width = dim + row.length;
        double[] input = new double[n * width];
        for (int i = 0; i < n; i++) {
            System.arraycopy(points, i * dim, input, i * width, dim);
            System.arraycopy(row, 0, input, i * width + dim, row.length);
        }
        DataType type = net.getLayerWiseConfigurations().getDataType();
        return net.output(HostArrays.array(input, type, n, width));
    }

    @Override
    public double fit(INDArray x, INDArray c, INDArray target, INDArray weights) {
        Rows.checkTarget(x, target, weights, dim);
        OwnGradientUpdaters.install(net);
        DataType type = net.getLayerWiseConfigurations().getDataType();
        INDArray input = input(x, c);
        if (weights == null) {
            net.fit(new DataSet(input, target.castTo(type)));
            return net.score();
        }
        Rows.Moved moved = Rows.moved(net.output(input), target.castTo(type), weights, dim);
        net.fit(new DataSet(input, moved.target()));
        return moved.loss();
    }

    private INDArray input(INDArray x, INDArray c) {
        Rows.checkInput(x, c, dim);
        DataType type = net.getLayerWiseConfigurations().getDataType();
        return Nd4j.hstack(x.castTo(type), embedding(c, frequencies).castTo(type));
    }
}
