package org.repro4j.norm;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Group normalisation, Wu and He, "Group Normalization" (ECCV 2018), section 3: the channels
 * of each example are split into {@code groups} groups of consecutive channels, and each (example,
 * group), the set S_i of eq. 7, is normalised by its own mean and standard deviation over the
 * group's channels and all spatial positions (eq. 1 and 2: x̂_i = (x_i - μ_i) / σ_i with σ_i =
 * sqrt(var_i + ε), var_i the biased variance), then scaled and shifted by a learned per-channel
 * gamma and beta (eq. 6: y_i = γ x̂_i + β). Nothing depends on the other examples of the batch, so
 * training and test mode compute the same thing and there are no running statistics. {@code
 * groups = channels} is instance norm, {@code groups = 1} layer norm over (C, H, W) (section 3.1,
 * "Relation to prior work").
 *
 * <p>Works on NCHW convolutional activations ([batch, channels, h, w]) and on dense ones
 * ([batch, features], features split into groups). A DL4J layer configuration with parameters
 * {@code gamma} (initially 1) and {@code beta} (initially 0), neither regularised, both trained
 * by the network's updater; it serialises to JSON with its {@code groups} and {@code eps}.
 */
public class GroupNormalization extends FeedForwardLayer {

    /** Number of groups the channels are split into; divides the channel count. */
    @JsonProperty("groups")
    private int groups;

    /** ε of eq. 1, added to each group's variance. */
    @JsonProperty("eps")
    private double eps;

    /** For JSON. */
    private GroupNormalization() {
    }

    /**
     * Group norm with ε = 1e-5, the paper's default of 32 groups being the caller's choice.
     *
     * @param groups number of channel groups, at least 1 and a divisor of the channel count
     */
    public GroupNormalization(int groups) {
        this(groups, 1e-5);
    }

    /**
     * @param groups number of channel groups, at least 1 and a divisor of the channel count
     * @param eps    added to each group's variance, positive
     */
    public GroupNormalization(int groups, double eps) {
        if (groups < 1) {
            throw new IllegalArgumentException("groups: expected at least 1 group, got " + groups);
        }
        if (!(eps > 0) || !Double.isFinite(eps)) {
            throw new IllegalArgumentException("eps: expected a positive finite number, got " + eps);
        }
        this.groups = groups;
        this.eps = eps;
        setActivationFn(new ActivationIdentity());
    }

    /** Number of channel groups. */
    public int groups() {
        return groups;
    }

    /** ε added to each group's variance. */
    public double eps() {
        return eps;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int index,
                             INDArray paramsView, boolean initializeParams, DataType dataType) {
        checkChannels(nOut);
        var layer = new GroupNormalizationLayer(conf, dataType);
        layer.setListeners(listeners);
        layer.setIndex(index);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(initializer().init(conf, paramsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    @Override
    public ParamInitializer initializer() {
        return GroupNormalizationParams.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        channelsOf(inputType);
        return inputType;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (nIn <= 0 || override) {
            nIn = channelsOf(inputType);
            nOut = nIn;
        }
        checkChannels(nIn);
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return List.of();
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        if (!GroupNormalizationParams.KEYS.contains(paramName)) {
            throw new IllegalArgumentException("paramName: expected one of " + GroupNormalizationParams.KEYS + ", got " + paramName);
        }
        return getIUpdater();
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long perExample = inputType.arrayElementsPerExample();
        return new LayerMemoryReport.Builder(layerName, GroupNormalization.class, inputType, inputType)
                .standardMemory(2 * nOut, 2 * getIUpdater().stateSize(nOut))
                .workingMemory(0, 2 * perExample, 0, 4 * perExample)  // x̂ and the output; in backprop dx̂ and products
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    /** The channels (CNN, NCHW) or features (FF) of {@code inputType}. */
    private long channelsOf(InputType inputType) {
        if (inputType instanceof InputType.InputTypeFeedForward ff) {
            return ff.getSize();
        }
        if (inputType instanceof InputType.InputTypeConvolutional cnn && cnn.getFormat() == CNN2DFormat.NCHW) {
            return cnn.getChannels();
        }
        throw new IllegalArgumentException("inputType of " + describe() + ": expected feed-forward [batch, features] or NCHW "
                + "convolutional [batch, channels, h, w] activations, got " + inputType);
    }

    private void checkChannels(long channels) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException("groups of " + describe() + ": expected a divisor of the " + channels
                    + " channels, got " + groups);
        }
    }

    private String describe() {
        return layerName == null ? "GroupNormalization" : "GroupNormalization '" + layerName + "'";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GroupNormalization g && g.groups == groups && Double.compare(g.eps, eps) == 0 && super.equals(other);
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof GroupNormalization;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), groups, eps);
    }

    @Override
    public String toString() {
        return "GroupNormalization(groups=" + groups + ", eps=" + eps + ", " + super.toString() + ")";
    }

    /** The parameters: per-channel {@code gamma} (initially 1) and {@code beta} (initially 0), in that order. */
    static final class GroupNormalizationParams implements ParamInitializer {

        static final String GAMMA = "gamma";
        static final String BETA = "beta";
        static final List<String> KEYS = List.of(GAMMA, BETA);
        static final GroupNormalizationParams INSTANCE = new GroupNormalizationParams();

        @Override
        public long numParams(NeuralNetConfiguration conf) {
            return numParams(conf.getLayer());
        }

        @Override
        public long numParams(org.deeplearning4j.nn.conf.layers.Layer layer) {
            return 2 * ((GroupNormalization) layer).getNOut();
        }

        @Override
        public List<String> paramKeys(org.deeplearning4j.nn.conf.layers.Layer layer) {
            return KEYS;
        }

        @Override
        public List<String> weightKeys(org.deeplearning4j.nn.conf.layers.Layer layer) {
            return List.of();
        }

        @Override
        public List<String> biasKeys(org.deeplearning4j.nn.conf.layers.Layer layer) {
            return List.of();
        }

        @Override
        public boolean isWeightParam(org.deeplearning4j.nn.conf.layers.Layer layer, String key) {
            return false;
        }

        @Override
        public boolean isBiasParam(org.deeplearning4j.nn.conf.layers.Layer layer, String key) {
            return false;
        }

        @Override
        public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
            Map<String, INDArray> views = split(conf, paramsView);
            if (initializeParams) {
                views.get(GAMMA).assign(1);
                views.get(BETA).assign(0);
            }
            return views;
        }

        @Override
        public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
            return split(conf, gradientView);
        }

        /** Views of {@code flat}: [1, channels] for gamma, then for beta. */
        private static Map<String, INDArray> split(NeuralNetConfiguration conf, INDArray flat) {
            long channels = ((GroupNormalization) conf.getLayer()).getNOut();
            INDArray row = flat.reshape(1, flat.length());
            var views = new LinkedHashMap<String, INDArray>();
            views.put(GAMMA, row.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(0, channels)));
            views.put(BETA, row.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(channels, 2 * channels)));
            return views;
        }
    }
}
