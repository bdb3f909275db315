package org.repro4j.init;

import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.repro4j.Check;

/**
 * Weights drawn from the Gaussian N(mean, std^2), independent of the fans.
 *
 * @param mean the mean, finite
 * @param std  the standard deviation, at least 0
 */
public record Normal(@JsonProperty("mean") double mean, @JsonProperty("std") double std) implements IWeightInit {

    @JsonCreator
    public Normal {
        if (!Double.isFinite(mean)) {
            throw new IllegalArgumentException("mean: expected a finite number, got " + mean);
        }
        Check.nonNegative("std", std);
    }

    @Override
    public INDArray init(double fanIn, double fanOut, long[] shape, char order, INDArray paramView) {
        return Nd4j.randn(paramView).muli(std).addi(mean).reshape(order, shape);
    }
}
