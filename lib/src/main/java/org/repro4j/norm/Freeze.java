package org.repro4j.norm;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.train.Trainer;
import tech.tablesaw.api.Table;

/**
 * Training only some parameters of a network, every other one frozen at its value when the
 * listener is made: the setting of Frankle, Schwab and Morcos, "Training BatchNorm and Only
 * BatchNorm" (ICLR 2021), where only batch norm's gamma and beta learn and every weight and bias,
 * the output layer's too, stays at its random initialisation.
 *
 * <p>The frozen values are copied once and written back after every update ({@link
 * Trainer.Listener#afterStep}), so whatever the optimiser (momentum, Adam's moments, weight decay)
 * does to them, they stay bit for bit what they were. The optimiser still computes their updates;
 * that costs time, not correctness.
 */
public final class Freeze {

    /**
     * The suffixes of the parameter keys that batch-norm layers (DL4J's and {@link
     * GhostBatchNormalization}) own: gamma, beta and the running statistics, which are estimated,
     * not learned, and so keep being updated.
     */
    public static final List<String> BATCH_NORM_KEYS = List.of("_gamma", "_beta", "_mean", "_var", "_log10stdev");

    private Freeze() {
    }

    /**
     * A listener that keeps every parameter of {@code net} whose key (as in {@code
     * net.paramTable()}: {@code "0_W"}, {@code "conv1_b"}) is not {@code trainable} at its current value.
     *
     * @throws IllegalArgumentException if no parameter would be trained, or none frozen
     */
    public static Trainer.Listener allExcept(Model net, Predicate<String> trainable) {
        var frozen = new LinkedHashMap<String, INDArray>();
        net.paramTable().forEach((key, value) -> {
            if (!trainable.test(key)) {
                frozen.put(key, value.dup());
            }
        });
        if (frozen.isEmpty() || frozen.size() == net.paramTable().size()) {
            throw new IllegalArgumentException("trainable: expected some but not all of " + net.paramTable().keySet()
                    + ", got " + (frozen.isEmpty() ? "all" : "none"));
        }
        return new Restorer(Collections.unmodifiableMap(frozen));
    }

    /** A listener that trains only the batch-norm layers of {@code net} (see {@link #BATCH_NORM_KEYS}). */
    public static Trainer.Listener allButBatchNorm(Model net) {
        return allExcept(net, key -> BATCH_NORM_KEYS.stream().anyMatch(key::endsWith));
    }

    /** Writes the frozen values back after every update. */
    private record Restorer(Map<String, INDArray> frozen) implements Trainer.Listener {
        @Override
        public void afterStep(Model net, long iteration) {
            frozen.forEach((key, value) -> net.getParam(key).assign(value));
        }

        @Override
        public void afterIteration(Model net, long iteration, boolean epochEnd, Table history) {
        }

        @Override
        public String toString() {
            return "Freeze(frozen=" + frozen.keySet() + ")";
        }
    }
}
