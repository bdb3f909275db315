package org.repro4j.init;

import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Every weight equal to {@code value}; {@code new Constant(0)} is the all-zeros initializer.
 *
 * @param value the weight, finite
 */
public record Constant(@JsonProperty("value") double value) implements IWeightInit {

    @JsonCreator
    public Constant {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("value: expected a finite number, got " + value);
        }
    }

    @Override
    public INDArray init(double fanIn, double fanOut, long[] shape, char order, INDArray paramView) {
        return paramView.assign(value).reshape(order, shape);
    }
}
