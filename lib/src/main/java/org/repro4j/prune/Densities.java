package org.repro4j.prune;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Model;

/**
 * Layer-wise densities for a global density {@code d}, the two rules compared in Liu et al., "The
 * Unreasonable Effectiveness of Random Pruning" (ICLR 2022), and {@link #randomMasks} to draw a
 * random static mask with them.
 */
public final class Densities {

    private Densities() {
    }

    /** The names of the rules, for {@link #get}. */
    public static final List<String> RULES = List.of("uniform", "erk");

    /**
     * The layer-wise densities of the rule called {@code rule} ("uniform" or "erk").
     *
     * @throws IllegalArgumentException for an unknown rule, listing the known ones
     */
    public static Map<String, Double> get(String rule, Masks masks, double density) {
        return switch (rule) {
            case "uniform" -> uniform(masks, density);
            case "erk" -> erk(masks, density);
            default -> throw new IllegalArgumentException("rule: unknown '" + rule + "'; known: " + String.join(", ", RULES));
        };
    }

    /** Every layer keeps the same fraction {@code density}. */
    public static Map<String, Double> uniform(Masks masks, double density) {
        check(density);
        var densities = new LinkedHashMap<String, Double>();
        masks.keys().forEach(key -> densities.put(key, density));
        return densities;
    }

    /**
     * Erdos-Renyi-Kernel (Evci et al., "Rigging the Lottery", ICML 2020, section 3): layer {@code l}
     * keeps a fraction proportional to {@code (sum of its dimensions) / (product of its dimensions)}
     * ({@code (n_in + n_out) / (n_in n_out)} for a dense layer, {@code (c_in + c_out + k_h + k_w) /
     * (c_in c_out k_h k_w)} for a convolution), scaled so that the whole network keeps exactly the
     * fraction {@code density}; a layer whose share would exceed 1 stays dense and the others share
     * the rest.
     */
    public static Map<String, Double> erk(Masks masks, double density) {
        check(density);
        var raw = new LinkedHashMap<String, Double>();
        for (String key : masks.keys()) {
            long[] shape = masks.get(key).shape();
            double sum = 0, product = 1;
            for (long d : shape) {
                sum += d;
                product *= d;
            }
            raw.put(key, sum / product);
        }
        Set<String> full = new HashSet<>();
        double epsilon;
        while (true) {
            double target = density * masks.size(), divisor = 0;
            for (String key : masks.keys()) {
                if (full.contains(key)) {
                    target -= masks.size(key);
                } else {
                    divisor += raw.get(key) * masks.size(key);
                }
            }
            epsilon = target / divisor;
            String densest = null;
            for (String key : masks.keys()) {
                if (!full.contains(key) && epsilon * raw.get(key) > 1
                        && (densest == null || raw.get(key) > raw.get(densest))) {
                    densest = key;
                }
            }
            if (densest == null) {
                break;
            }
            full.add(densest);
        }
        var densities = new LinkedHashMap<String, Double>();
        for (String key : masks.keys()) {
            densities.put(key, full.contains(key) ? 1.0 : epsilon * raw.get(key));
        }
        return densities;
    }

    /** A random mask keeping exactly {@code round(density(key) * size(key))} weights of each layer. */
    public static Masks randomMasks(Model net, Map<String, Double> densities, long seed) {
        Masks dense = Masks.dense(net);
        return Selection.layerwise(net, dense, Scores.random(dense, seed), densities);
    }

    /** The densities of {@code masks}, layer by layer (to shuffle a mask while keeping them). */
    public static Map<String, Double> of(Masks masks) {
        var densities = new LinkedHashMap<String, Double>();
        masks.keys().forEach(key -> densities.put(key, masks.density(key)));
        return densities;
    }

    private static void check(double density) {
        if (!(density > 0 && density <= 1)) {
            throw new IllegalArgumentException("density: expected a value in (0, 1], got " + density);
        }
    }
}
