package org.repro4j.init;

import java.util.List;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.activations.Activation;

/**
 * The initializers by name, each with the defaults a notebook would otherwise write out, so an
 * experiment's hyperparameter record can hold the name. Kaiming ones use ReLU's gain and Xavier
 * ones a gain of 1.
 */
public final class Initializers {

    /** Every name {@link #get} knows, in the order of its switch. */
    public static final List<String> NAMES = List.of("zeros", "normal", "uniform", "xavier_normal", "xavier_uniform",
            "kaiming_normal", "kaiming_uniform", "kaiming_normal_fan_out", "kaiming_uniform_fan_out", "orthogonal");

    private Initializers() {
    }

    /**
     * The initializer named {@code name}: {@code zeros}; {@code normal}, N(0, 0.01^2) (Krizhevsky et
     * al. 2012); {@code uniform}, U[-0.05, 0.05) (Keras' default); {@code xavier_normal}, {@code
     * xavier_uniform}; {@code kaiming_normal}, {@code kaiming_uniform} (fan-in) and their {@code
     * _fan_out} variants; {@code orthogonal} (gain 1).
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static IWeightInit get(String name) {
        double relu = Gains.of(Activation.RELU);
        return switch (name) {
            case "zeros" -> new Constant(0);
            case "normal" -> new Normal(0, 0.01);
            case "uniform" -> new Uniform(-0.05, 0.05);
            case "xavier_normal" -> new Xavier(Distribution.NORMAL, 1);
            case "xavier_uniform" -> new Xavier(Distribution.UNIFORM, 1);
            case "kaiming_normal" -> new Kaiming(Distribution.NORMAL, Kaiming.Fan.IN, relu);
            case "kaiming_uniform" -> new Kaiming(Distribution.UNIFORM, Kaiming.Fan.IN, relu);
            case "kaiming_normal_fan_out" -> new Kaiming(Distribution.NORMAL, Kaiming.Fan.OUT, relu);
            case "kaiming_uniform_fan_out" -> new Kaiming(Distribution.UNIFORM, Kaiming.Fan.OUT, relu);
            case "orthogonal" -> new Orthogonal(1);
            default -> throw new IllegalArgumentException("initializer: unknown name '" + name + "'; known: " + NAMES);
        };
    }
}
