package org.repro4j.init;

import org.nd4j.linalg.activations.Activation;

/**
 * The recommended gain of an activation: the factor on a variance-scaling initializer's standard
 * deviation that keeps the signal's variance through the nonlinearity, after PyTorch's {@code
 * torch.nn.init.calculate_gain}. ReLU's sqrt(2) is He et al. 2015, eq. 10; linear's 1 is Glorot and
 * Bengio 2010, eq. 16.
 */
public final class Gains {

    /** DL4J's default negative slope of {@link Activation#LEAKYRELU}. */
    public static final double DL4J_LEAKY_RELU_SLOPE = 0.01;

    private Gains() {
    }

    /**
     * The gain of {@code activation}: 1 for identity and sigmoid, 5/3 for tanh, sqrt(2) for ReLU,
     * sqrt(2 / (1 + a^2)) for leaky ReLU with DL4J's slope a = 0.01, 3/4 for SELU.
     *
     * @throws IllegalArgumentException for an activation without a gain in that table, listing those with one
     */
    public static double of(Activation activation) {
        return switch (activation) {
            case IDENTITY, SIGMOID -> 1;
            case TANH -> 5.0 / 3;
            case RELU -> Math.sqrt(2);
            case LEAKYRELU -> leakyRelu(DL4J_LEAKY_RELU_SLOPE);
            case SELU -> 3.0 / 4;
            default -> throw new IllegalArgumentException("activation: expected one of IDENTITY, SIGMOID, TANH, RELU, "
                    + "LEAKYRELU, SELU, got " + activation);
        };
    }

    /** The gain sqrt(2 / (1 + a^2)) of a leaky ReLU of negative slope {@code a} (He et al. 2015, eq. 15). */
    public static double leakyRelu(double slope) {
        if (!Double.isFinite(slope)) {
            throw new IllegalArgumentException("slope: expected a finite number, got " + slope);
        }
        return Math.sqrt(2 / (1 + slope * slope));
    }
}
