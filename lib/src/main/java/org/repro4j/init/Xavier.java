package org.repro4j.init;

import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.repro4j.Check;

/**
 * Xavier/Glorot initialisation, Glorot and Bengio, "Understanding the difficulty of training deep
 * feedforward neural networks" (AISTATS 2010), eq. 16: weights of variance {@code gain^2 * 2 /
 * (fanIn + fanOut)}, the compromise between keeping the forward and the backward variance. With
 * {@link Distribution#UNIFORM} this is eq. 16's U[-sqrt(6 / (fanIn + fanOut)), +...] times the gain.
 *
 * @param distribution Gaussian or uniform
 * @param gain         factor on the standard deviation for the layer's activation ({@link Gains}), above 0
 */
public record Xavier(@JsonProperty("distribution") Distribution distribution, @JsonProperty("gain") double gain)
        implements IWeightInit {

    @JsonCreator
    public Xavier {
        if (distribution == null) {
            throw new IllegalArgumentException("distribution: expected NORMAL or UNIFORM, got null");
        }
        Check.positive("gain", gain);
    }

    @Override
    public INDArray init(double fanIn, double fanOut, long[] shape, char order, INDArray paramView) {
        return distribution.fill(paramView, gain * Math.sqrt(2 / (fanIn + fanOut))).reshape(order, shape);
    }
}
