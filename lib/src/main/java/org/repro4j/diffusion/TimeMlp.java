package org.repro4j.diffusion;

import java.util.Arrays;
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

/**
 * A noise-conditioned MLP F(x, c) for low-dimensional data: the input is x next to a sinusoidal
 * embedding of the noise condition c (Vaswani et al. 2017, section 3.5, as DDPM embeds its timestep),
 * sin(w_k c) and cos(w_k c) with frequencies w_k = 1000^(k / K) for k = 0..K-1, or, with K = 0, next to
 * c itself (the [x, t] input of Albergo et al. 2023's toy nets), followed by hidden layers (SiLU,
 * Hendrycks and Gimpel 2016, unless another activation is given) and a linear output of the data's
 * dimension trained on squared error. {@link Preconditioning} decides what c and the output mean.
 */
public final class TimeMlp {

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
        return new TimeMlp(net, dim, frequencies);
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

    /** Input features of the condition: 2K, or 1 (c itself) when K = 0. */
    private static int features(int frequencies) {
        return frequencies == 0 ? 1 : 2 * frequencies;
    }

    /** The DL4J network, whose input is [x, embedding(c)]. */
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

    /** F(x, c) for a batch x [n, d] and one condition a row, c [n]. */
    public INDArray output(INDArray x, INDArray c) {
        return net.output(input(x, c));
    }

    /**
     * One optimiser step on the mean over the batch of weight_i * |F(x_i, c_i) - target_i|^2 / d (all weights 1
     * when {@code weights} is null; for d = 2 the loss is |F - target|^2 / 2), and returns that loss before the step.
     *
     * <p>Without weights this is DL4J's mean squared error. With weights it is not DL4J's label mask, which
     * does not weight the gradient row by row (measured: the step then follows neither the weighted loss
     * nor its square); instead the step fits the moved target F + w_i (target_i - F) with F the output at
     * the current parameters, whose squared-error gradient 2 (F - target') / d is exactly the weighted one,
     * 2 w_i (F - target_i) / d. That costs one more forward pass.
     */
    public double fit(INDArray x, INDArray c, INDArray target, INDArray weights) {
        if (target.rank() != 2 || target.rows() != x.rows() || target.columns() != dim) {
            throw new IllegalArgumentException("target: expected shape [" + x.rows() + ", " + dim + "], got "
                    + Arrays.toString(target.shape()));
        }
        if (weights != null && weights.length() != x.rows()) {
            throw new IllegalArgumentException("weights: expected one weight a row, " + x.rows() + ", got " + weights.length());
        }
        DataType type = net.getLayerWiseConfigurations().getDataType();
        INDArray input = input(x, c);
        if (weights == null) {
            net.fit(new DataSet(input, target.castTo(type)));
            return net.score();
        }
        INDArray out = net.output(input);
        INDArray error = target.castTo(type).sub(out);
        INDArray w = weights.castTo(type).reshape(x.rows(), 1);
        double loss = error.mul(error).sum(1).reshape(x.rows(), 1).muli(w).meanNumber().doubleValue() / dim;
        net.fit(new DataSet(input, out.addi(error.muliColumnVector(w))));
        return loss;
    }

    private INDArray input(INDArray x, INDArray c) {
        if (x.rank() != 2 || x.columns() != dim) {
            throw new IllegalArgumentException("x: expected shape [n, " + dim + "], got " + Arrays.toString(x.shape()));
        }
        if (c.length() != x.rows()) {
            throw new IllegalArgumentException("c: expected one condition a row, " + x.rows() + ", got " + c.length());
        }
        DataType type = net.getLayerWiseConfigurations().getDataType();
        return Nd4j.hstack(x.castTo(type), embedding(c, frequencies).castTo(type));
    }
}
