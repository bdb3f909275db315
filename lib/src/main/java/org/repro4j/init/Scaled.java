package org.repro4j.init;

import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The weights of {@code base} multiplied by {@code alpha}: the initial-scale knob of the rich
 * versus lazy learning experiments (Chizat, Oyallon and Bach, "On Lazy Training in Differentiable
 * Programming", NeurIPS 2019: large alpha, lazy; small alpha, rich).
 *
 * @param alpha factor on every weight, finite
 * @param base  the initializer scaled
 */
public record Scaled(@JsonProperty("alpha") double alpha, @JsonProperty("base") IWeightInit base) implements IWeightInit {

    @JsonCreator
    public Scaled {
        if (!Double.isFinite(alpha)) {
            throw new IllegalArgumentException("alpha: expected a finite number, got " + alpha);
        }
        if (base == null) {
            throw new IllegalArgumentException("base: expected an initializer, got null");
        }
    }

    @Override
    public INDArray init(double fanIn, double fanOut, long[] shape, char order, INDArray paramView) {
        return base.init(fanIn, fanOut, shape, order, paramView).muli(alpha);
    }
}
