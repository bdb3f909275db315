package org.repro4j.init;

import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

/**
 * Layer-sequential unit-variance initialisation, Mishkin and Matas, "All you need is a good init"
 * (ICLR 2016), Algorithm 1: every weight tensor made orthogonal ({@link Orthogonal}), then, layer
 * after layer from the input, the weights divided by the standard deviation of the layer's output
 * on a data batch until that output's variance is 1 within a tolerance.
 *
 * <p>The "output" is the pre-activation {@code x W + b} (or the convolution's), because the paper's
 * Caffe layers apply the nonlinearity in a separate layer; DL4J fuses it into the layer, so the
 * activation is bypassed while measuring. (A softmax output could never reach variance 1 anyway.)
 * The variance is over every element of the output on the batch. Biases are left as they are.
 */
public final class Lsuv {

    private Lsuv() {
    }

    /**
     * Initialises {@code net} in place by LSUV and returns one row per weighted layer: {@code layer}
     * (its index), {@code iterations} (rescalings done, at most {@code maxIterations}) and {@code
     * variance} (of its output after the last rescaling). Layers without a weight tensor {@code W}
     * (pooling, batch norm) are left alone. The orthogonal draws come from ND4J's generator seeded
     * with the network's seed, so the same network and batch give the same weights.
     *
     * @param batch         the network's input for a batch of examples (the paper uses a minibatch)
     * @param tolerance     |variance - 1| at which a layer is done, above 0 (the paper's Tol_var, 0.1)
     * @param maxIterations most rescalings per layer, at least 1 (the paper's T_max, 10)
     */
    public static Table apply(MultiLayerNetwork net, INDArray batch, double tolerance, int maxIterations) {
        if (!(tolerance > 0)) {
            throw new IllegalArgumentException("tolerance: expected a number above 0, got " + tolerance);
        }
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations: expected at least 1, got " + maxIterations);
        }
        if (batch.size(0) < 2) {
            throw new IllegalArgumentException("batch: expected at least 2 examples, got " + batch.size(0));
        }
        var report = Table.create("lsuv", IntColumn.create("layer"), IntColumn.create("iterations"),
                DoubleColumn.create("variance"));
        var workspaces = LayerWorkspaceMgr.noWorkspaces();
        var orthogonal = new Orthogonal(1);
        Nd4j.getRandom().setSeed(net.getDefaultConfiguration().getSeed());
        for (int i = 0; i < net.getnLayers(); i++) {
            Layer layer = net.getLayer(i);
            INDArray w = layer.paramTable().get("W");
            if (w == null) {
                continue;
            }
            orthogonal.init(0, 0, w.shape(), w.ordering(), w);
            // the layer's input: the batch through the layers before it (already done), preprocessed
            List<INDArray> activations = net.feedForwardToLayer(i, batch, false);
            INDArray input = activations.get(i);
            InputPreProcessor pre = net.getLayerWiseConfigurations().getInputPreProcess(i);
            if (pre != null) {
                input = pre.preProcess(input, (int) batch.size(0), workspaces);
            }
            int iterations = 0;
            double variance = preActivation(layer, input).varNumber().doubleValue();
            while (Math.abs(variance - 1) >= tolerance && iterations < maxIterations) {
                w.divi(Math.sqrt(variance));
                iterations++;
                variance = preActivation(layer, input).varNumber().doubleValue();
            }
            report.intColumn("layer").append(i);
            report.intColumn("iterations").append(iterations);
            report.doubleColumn("variance").append(variance);
        }
        return report;
    }

    /** The layer's output on {@code input} with its activation function bypassed. */
    private static INDArray preActivation(Layer layer, INDArray input) {
        var conf = (BaseLayer) layer.conf().getLayer();
        IActivation activation = conf.getActivationFn();
        conf.setActivationFn(new ActivationIdentity());
        try {
            return layer.activate(input, false, LayerWorkspaceMgr.noWorkspaces()).dup();
        } finally {
            conf.setActivationFn(activation);
        }
    }
}
