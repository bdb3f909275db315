package org.repro4j.init;

import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.repro4j.Check;

/**
 * Kaiming/He initialisation, He et al., "Delving Deep into Rectifiers" (ICCV 2015): weights of
 * standard deviation {@code gain / sqrt(fan)}. With {@link Fan#IN} and gain sqrt(2) this is eq. 10
 * (the forward pass keeps its variance through ReLUs); with {@link Fan#OUT}, eq. 14 (the backward
 * pass does).
 *
 * <p>The fans are DL4J's: for a convolution, fanIn = inChannels * kH * kW and fanOut = outChannels
 * * kH * kW / (strideH * strideW) (PyTorch does not divide by the stride).
 *
 * @param distribution Gaussian or uniform
 * @param fan          which fan keeps its variance
 * @param gain         factor on the standard deviation for the layer's activation ({@link Gains}), above 0
 */
public record Kaiming(@JsonProperty("distribution") Distribution distribution, @JsonProperty("fan") Fan fan,
                      @JsonProperty("gain") double gain) implements IWeightInit {

    /** The fan that divides the variance. */
    public enum Fan {
        /** Inputs per output unit (eq. 10). */
        IN,
        /** Outputs per input unit (eq. 14). */
        OUT
    }

    @JsonCreator
    public Kaiming {
        if (distribution == null) {
            throw new IllegalArgumentException("distribution: expected NORMAL or UNIFORM, got null");
        }
        if (fan == null) {
            throw new IllegalArgumentException("fan: expected IN or OUT, got null");
        }
        Check.positive("gain", gain);
    }

    @Override
    public INDArray init(double fanIn, double fanOut, long[] shape, char order, INDArray paramView) {
        return distribution.fill(paramView, gain / Math.sqrt(fan == Fan.IN ? fanIn : fanOut)).reshape(order, shape);
    }
}
