package org.repro4j.norm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The batch-norm layers of a network, found by their type (DL4J's {@code BatchNormalization} and
 * {@link GhostBatchNormalization}, never {@link GroupNormalization}, whose parameters are named alike),
 * and what Frankle, Schwab and Morcos, "Training BatchNorm and Only BatchNorm" (ICLR 2021), measure
 * on them: how many affine parameters they have and how many features their gamma switches off.
 */
public final class BatchNorms {

    /** The learned affine parameters of a batch-norm layer (eq. of Ioffe and Szegedy's Algorithm 1: y = gamma x̂ + beta). */
    public static final List<String> AFFINE = List.of("gamma", "beta");

    private BatchNorms() {
    }

    /**
     * The parameters of every batch-norm layer of {@code net}, by network parameter key ({@code "3_gamma"},
     * {@code "stage1_bn_beta"}): gamma, beta and the running statistics, in layer order.
     *
     * @throws IllegalArgumentException if {@code net} is neither a MultiLayerNetwork nor a ComputationGraph
     */
    public static Map<String, INDArray> params(Model net) {
        Layer[] layers;
        if (net instanceof MultiLayerNetwork m) {
            layers = m.getLayers();
        } else if (net instanceof ComputationGraph g) {
            layers = g.getLayers();
        } else {
            throw new IllegalArgumentException("net: expected a MultiLayerNetwork or a ComputationGraph, got "
                    + (net == null ? "null" : net.getClass().getName()));
        }
        var params = new LinkedHashMap<String, INDArray>();
        for (Layer layer : layers) {
            if (layer.conf().getLayer() instanceof BatchNormalization bn) {
                String prefix = net instanceof MultiLayerNetwork ? String.valueOf(layer.getIndex()) : bn.getLayerName();
                layer.paramTable().forEach((key, value) -> params.put(prefix + "_" + key, value));
            }
        }
        return params;
    }

    /** The gamma vectors of every batch-norm layer of {@code net}, by parameter key, in layer order. */
    public static Map<String, INDArray> gammas(Model net) {
        var gammas = new LinkedHashMap<String, INDArray>();
        params(net).forEach((key, value) -> {
            if (key.endsWith("_gamma")) {
                gammas.put(key, value);
            }
        });
        return gammas;
    }

    /** How many gamma and beta elements {@code net} has in all: the parameters trained by "BatchNorm only". */
    public static long affineCount(Model net) {
        long count = 0;
        for (var entry : params(net).entrySet()) {
            if (AFFINE.stream().anyMatch(name -> entry.getKey().endsWith("_" + name))) {
                count += entry.getValue().length();
            }
        }
        return count;
    }

    /**
     * The fraction of batch-norm channels (features) of {@code net} whose |gamma| is below {@code threshold}:
     * the features that "BatchNorm only" learns to disable (Frankle et al. 2021, section 5: about a third).
     * A channel with gamma near 0 outputs beta for every input, a constant that carries no information.
     *
     * @param threshold the largest |gamma| still counted as disabled, in units of gamma (initially 1), positive
     * @throws IllegalArgumentException if the threshold is not positive and finite, or {@code net} has no batch norm
     */
    public static double disabledFraction(Model net, double threshold) {
        if (!(threshold > 0) || !Double.isFinite(threshold)) {
            throw new IllegalArgumentException("threshold: expected a positive finite |gamma|, got " + threshold);
        }
        long disabled = 0, channels = 0;
        for (INDArray gamma : gammas(net).values()) {
            for (double g : gamma.toDoubleVector()) {
                disabled += Math.abs(g) < threshold ? 1 : 0;
            }
            channels += gamma.length();
        }
        if (channels == 0) {
            throw new IllegalArgumentException("net: expected batch-norm layers, found none");
        }
        return (double) disabled / channels;
    }

    /** The keys of {@link #params} whose values are estimated running statistics, not learned (mean, var, log10stdev). */
    static List<String> statisticsKeys(Model net) {
        var keys = new ArrayList<String>();
        params(net).keySet().forEach(key -> {
            if (AFFINE.stream().noneMatch(name -> key.endsWith("_" + name))) {
                keys.add(key);
            }
        });
        return keys;
    }
}
