package org.repro4j.norm;

import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Ghost batch normalisation, Hoffer, Hubara and Soudry, "Train longer, generalize better: closing
 * the generalization gap in large batch training of neural networks" (NeurIPS 2017), section 4 and
 * Algorithm 1: in training, each consecutive block of {@code ghostSize} examples of a batch (a
 * "ghost batch"; the last one may be smaller) is normalised with its own mean and variance, as if
 * it were a small batch; at test time the running statistics normalise, as in batch norm.
 *
 * <p>The running mean and variance move once per batch by DL4J's rule (mean &lt;- decay * mean +
 * (1 - decay) * statistic), the statistic being the average over the ghost batches of their mean
 * and of their (biased) variance; Algorithm 1 updates after every ghost batch, which with decay d
 * amounts to a per-batch decay of d^k for k ghost batches. Works on dense ([batch, features]) and
 * NCHW convolutional ([batch, channels, h, w], per channel) activations, with learned gamma and
 * beta. With one ghost batch it is DL4J's batch norm. Otherwise a DL4J batch-norm layer
 * configuration: same parameters ({@code gamma, beta, mean, var}), updaters and JSON.
 */
public class GhostBatchNormalization extends BatchNormalization {

    /** Examples per ghost batch. */
    @JsonProperty("ghostSize")
    private int ghostSize;

    /** For JSON. */
    private GhostBatchNormalization() {
    }

    /**
     * Ghost batch norm with DL4J's batch-norm defaults (decay 0.9, eps 1e-5, gamma 1 and beta 0 at
     * initialisation), the variance kept as a variance (not DL4J's default log10 of the std).
     *
     * @param ghostSize examples per ghost batch, at least 2 (the paper uses 128)
     */
    public GhostBatchNormalization(int ghostSize) {
        if (ghostSize < 2) {
            throw new IllegalArgumentException("ghostSize: expected at least 2 examples, got " + ghostSize);
        }
        this.ghostSize = ghostSize;
        BatchNormalization defaults = new BatchNormalization.Builder().build();
        setDecay(defaults.getDecay());
        setEps(defaults.getEps());
        setMinibatch(true);
        setGamma(defaults.getGamma());
        setBeta(defaults.getBeta());
        setLockGammaBeta(false);
        setCudnnAllowFallback(true);
        setUseLogStd(false);
        setCnn2DFormat(CNN2DFormat.NCHW);
    }

    /** Examples per ghost batch. */
    public int ghostSize() {
        return ghostSize;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int index,
                             INDArray paramsView, boolean initializeParams, DataType dataType) {
        var layer = new GhostBatchNormalizationLayer(conf, dataType, ghostSize);
        layer.setListeners(listeners);
        layer.setIndex(index);
        layer.setParamsViewArray(paramsView);
        Map<String, INDArray> params = initializer().init(conf, paramsView, initializeParams);
        layer.setParamTable(params);
        layer.setConf(conf);
        return layer;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GhostBatchNormalization g && g.ghostSize == ghostSize && super.equals(other);
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof GhostBatchNormalization;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), ghostSize);
    }

    @Override
    public String toString() {
        return "GhostBatchNormalization(ghostSize=" + ghostSize + ", " + super.toString() + ")";
    }
}
