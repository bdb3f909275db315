package org.repro4j.init;

import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The antisymmetric ("doubling") initialisation of Chizat, Oyallon and Bach, "On Lazy Training in
 * Differentiable Programming" (NeurIPS 2019), section 2 and their experiments: a network of one
 * hidden layer of 2m units whose units m..2m-1 are copies of units 0..m-1 (same input weights and
 * bias) with output weights of opposite sign, so that the network's output is exactly 0 for every
 * input at initialisation (up to floating-point rounding), whatever the scale of the weights. Without it a large initial scale
 * would start training from huge random logits; with it every scale starts from the same output,
 * so only the scale's effect on the training dynamics (lazy versus rich) differs. The first half
 * of each tensor keeps its draw from the network's own initializer, so the initial weights still
 * follow from the seed.
 */
public final class Antisymmetric {

    private Antisymmetric() {
    }

    /**
     * Makes {@code net} antisymmetric in place: hidden units m..2m-1 copy units 0..m-1, their
     * output weights are the negated ones of units 0..m-1, and the output bias (if any) is set to 0.
     *
     * @param net a dense layer of an even number 2m of units followed by an output layer
     * @return {@code net}
     * @throws IllegalArgumentException if {@code net} is not one dense hidden layer of an even width and an output layer
     */
    public static MultiLayerNetwork apply(MultiLayerNetwork net) {
        var layers = net.getLayerWiseConfigurations().getConfs();
        if (layers.size() != 2 || !(layers.get(0).getLayer() instanceof DenseLayer hidden)
                || !(layers.get(1).getLayer() instanceof OutputLayer) || hidden.getNOut() % 2 != 0) {
            throw new IllegalArgumentException("net: expected one dense hidden layer of an even width and an output layer, got "
                    + layers.stream().map(c -> c.getLayer().getClass().getSimpleName() + "(" + nOut(c.getLayer()) + ")").toList());
        }
        long m = hidden.getNOut() / 2;
        INDArray w1 = net.getParam("0_W"), w2 = net.getParam("1_W");
        w1.get(NDArrayIndex.all(), NDArrayIndex.interval(m, 2 * m)).assign(w1.get(NDArrayIndex.all(), NDArrayIndex.interval(0, m)));
        if (net.paramTable().containsKey("0_b")) {
            INDArray b1 = net.getParam("0_b");
            b1.get(NDArrayIndex.all(), NDArrayIndex.interval(m, 2 * m)).assign(b1.get(NDArrayIndex.all(), NDArrayIndex.interval(0, m)));
        }
        w2.get(NDArrayIndex.interval(m, 2 * m), NDArrayIndex.all()).assign(w2.get(NDArrayIndex.interval(0, m), NDArrayIndex.all()).neg());
        if (net.paramTable().containsKey("1_b")) {
            net.getParam("1_b").assign(0);
        }
        return net;
    }

    private static String nOut(org.deeplearning4j.nn.conf.layers.Layer layer) {
        return layer instanceof org.deeplearning4j.nn.conf.layers.FeedForwardLayer f ? String.valueOf(f.getNOut()) : "?";
    }
}
