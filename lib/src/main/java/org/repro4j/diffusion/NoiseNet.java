package org.repro4j.diffusion;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A noise-conditioned network F(x, c) on batches of rows x [n, d], what {@link Preconditioning}, the
 * {@link Objectives}, {@link ConsistencyTraining} and {@link DenoiserTraining} train and call (F of Karras
 * et al. 2022, eq. 7): {@link TimeMlp} for low-dimensional data, {@link UNet} for images flattened channel-major.
 */
public interface NoiseNet {

    /** F(x, c) for a batch x [n, d] and one condition a row, c [n] (or [n, 1]): a new [n, d] array. */
    INDArray output(INDArray x, INDArray c);

    /**
     * F(x, c) with the same condition c for every row, what a sampler's step asks for: the same values as
     * {@code output(x, c)} with c repeated. A net may compute what depends on c once instead of once a row.
     */
    default INDArray output(INDArray x, double c) {
        return output(x, Nd4j.valueArrayOf(new long[] {x.rows(), 1}, c, DataType.DOUBLE));
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
    double fit(INDArray x, INDArray c, INDArray target, INDArray weights);

    /** The DL4J network, as the results store saves and restores it. */
    Model network();

    /**
     * The net around a network that {@link TimeMlp#create} or {@link UNet#create} built, e.g. one restored
     * from the results store: a {@link MultiLayerNetwork} is a TimeMlp, a {@link ComputationGraph} a UNet, and
     * their sizes and embedding frequencies are read from the network.
     */
    static NoiseNet of(Model net) {
        if (net instanceof MultiLayerNetwork m) {
            return TimeMlp.of(m);
        }
        if (net instanceof ComputationGraph g) {
            return UNet.of(g);
        }
        throw new IllegalArgumentException("net: expected a MultiLayerNetwork (TimeMlp) or a ComputationGraph (UNet), got "
                + (net == null ? "null" : net.getClass().getName()));
    }
}
