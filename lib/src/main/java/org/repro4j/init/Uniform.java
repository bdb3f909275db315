package org.repro4j.init;

import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Weights drawn uniformly from [low, high), independent of the fans.
 *
 * @param low  the lower bound, finite
 * @param high the upper bound, finite and above {@code low}
 */
public record Uniform(@JsonProperty("low") double low, @JsonProperty("high") double high) implements IWeightInit {

    @JsonCreator
    public Uniform {
        if (!Double.isFinite(low) || !Double.isFinite(high) || !(high > low)) {
            throw new IllegalArgumentException("low, high: expected finite bounds with low < high, got " + low + " and " + high);
        }
    }

    @Override
    public INDArray init(double fanIn, double fanOut, long[] shape, char order, INDArray paramView) {
        return Nd4j.rand(paramView, low, high, Nd4j.getRandom()).reshape(order, shape);
    }
}
