package org.repro4j.norm;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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

    /**
     * A listener that trains only the batch-norm layers of {@code net}, found by their type ({@link
     * BatchNorms#params}; a group-norm layer's gamma and beta stay frozen): gamma, beta and the running
     * statistics, which are estimated, not learned, and so keep being updated.
     */
    public static Trainer.Listener allButBatchNorm(Model net) {
        var batchNorm = BatchNorms.params(net).keySet();
        return allExcept(net, batchNorm::contains);
    }

    /**
     * The control of Frankle, Schwab and Morcos (ICLR 2021, section 4): as many randomly chosen weights
     * as batch norm has affine parameters, here {@code perChannel} weights of every output channel of
     * every weight tensor named in {@code keys} (two per channel beside a batch-norm layer of c channels
     * match its c gammas and c betas exactly). Within a channel the elements are a uniform draw without
     * replacement, from a generator seeded by ({@code seed}, the key), so the same seed picks the same ones.
     *
     * @param keys       convolution weight keys ({@code "conv1_W"}), each a [out, in, kh, kw] tensor
     * @param perChannel weights trained in each output channel, at least 1 and at most in * kh * kw
     * @return the flat (C-order) indices of the chosen elements, sorted, by key
     * @throws IllegalArgumentException on an unknown key, a tensor not of rank 4, or {@code perChannel} out of range
     */
    public static Map<String, long[]> randomPerChannel(Model net, List<String> keys, int perChannel, long seed) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("keys: expected at least one weight key, got none");
        }
        var chosen = new LinkedHashMap<String, long[]>();
        for (String key : keys) {
            if (!net.paramTable().containsKey(key)) {
                throw new IllegalArgumentException("keys: unknown parameter '" + key + "'; known: " + net.paramTable().keySet());
            }
            long[] shape = net.getParam(key).shape();
            if (shape.length != 4) {
                throw new IllegalArgumentException(key + ": expected a convolution weight [out, in, kh, kw], got shape "
                        + Arrays.toString(shape));
            }
            int channels = (int) shape[0], fanIn = (int) (shape[1] * shape[2] * shape[3]);
            if (perChannel < 1 || perChannel > fanIn) {
                throw new IllegalArgumentException("perChannel: expected 1 to " + fanIn + " (the weights of one output channel of "
                        + key + "), got " + perChannel);
            }
            var random = new SplittableRandom(seed * 1_000_003L + key.hashCode());
            long[] indices = new long[channels * perChannel];
            for (int c = 0; c < channels; c++) {
                int[] order = Trainer.permutation(fanIn, random);
                int[] picked = Arrays.copyOf(order, perChannel);
                Arrays.sort(picked);
                for (int i = 0; i < perChannel; i++) {
                    indices[c * perChannel + i] = (long) c * fanIn + picked[i];
                }
            }
            chosen.put(key, indices);
        }
        return chosen;
    }

    /**
     * A listener that trains only the {@code trainable} elements (flat C-order indices, by parameter key)
     * and keeps every other element of every parameter at its current value, bit for bit. Batch-norm
     * running statistics ({@link BatchNorms#params} other than gamma and beta) are estimated, not learned,
     * and keep being updated; batch norm's gamma and beta are frozen unless listed.
     *
     * @throws IllegalArgumentException on an unknown key or an index outside its parameter, or no element trainable
     */
    public static Trainer.Listener onlyElements(Model net, Map<String, long[]> trainable) {
        var statistics = BatchNorms.statisticsKeys(net);
        var frozen = new LinkedHashMap<String, INDArray>();
        var partly = new LinkedHashMap<String, long[]>();
        long count = 0;
        for (var entry : trainable.entrySet()) {
            INDArray param = net.paramTable().get(entry.getKey());
            if (param == null) {
                throw new IllegalArgumentException("trainable: unknown parameter '" + entry.getKey() + "'; known: "
                        + net.paramTable().keySet());
            }
            for (long index : entry.getValue()) {
                if (index < 0 || index >= param.length()) {
                    throw new IllegalArgumentException("trainable[" + entry.getKey() + "]: expected indices in [0, "
                            + param.length() + "), got " + index);
                }
            }
            count += entry.getValue().length;
            partly.put(entry.getKey(), entry.getValue().clone());
        }
        if (count == 0) {
            throw new IllegalArgumentException("trainable: expected at least one element, got none");
        }
        net.paramTable().forEach((key, value) -> {
            if (!statistics.contains(key)) {
                frozen.put(key, value.dup());
            }
        });
        return new ElementRestorer(Collections.unmodifiableMap(frozen), Collections.unmodifiableMap(partly), count);
    }

    /** Writes the frozen values back after every update, then the trained elements of the partly frozen parameters. */
    private record ElementRestorer(Map<String, INDArray> frozen, Map<String, long[]> trainable, long count)
            implements Trainer.Listener {
        @Override
        public void afterStep(Model net, long iteration) {
            frozen.forEach((key, value) -> {
                INDArray param = net.getParam(key);
                long[] keep = trainable.get(key);
                if (keep == null) {
                    param.assign(value);
                    return;
                }
                // the trained elements' new values, read before the frozen ones are written back over them
                double[] trained = new double[keep.length];
                for (int i = 0; i < keep.length; i++) {
                    trained[i] = param.getDouble(keep[i]);
                }
                param.assign(value);
                for (int i = 0; i < keep.length; i++) {
                    param.putScalar(keep[i], trained[i]);
                }
            });
        }

        @Override
        public void afterIteration(Model net, long iteration, boolean epochEnd, Table history) {
        }

        @Override
        public String toString() {
            return "Freeze(" + count + " trainable elements in " + trainable.keySet() + ")";
        }
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
