package org.repro4j.prune;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.repro4j.train.Nets;

/**
 * SynFlow, iterative synaptic flow pruning (Tanaka, Kunin, Yamins and Ganguli, "Pruning neural
 * networks without any data by iteratively conserving synaptic flow", NeurIPS 2020, Algorithm 1):
 * data-free scores {@code |w ⊙ ∂R/∂w|} with {@code R = 1ᵀ(∏ |W_l|)1}, re-scored over {@link
 * #ROUNDS} rounds of global selection on an exponential schedule.
 *
 * <p>{@code R} is the sum of the pre-softmax outputs of a copy of the network whose parameters are
 * replaced by their absolute values and whose biases are zero, on one all-ones input. Zero biases
 * make {@code R} exactly the path sum {@code 1ᵀ(∏ |W_l|)1} (a bias would add paths that start
 * inside the network; the paper's code keeps {@code |b|}): with non-negative inputs and weights a
 * ReLU passes everything, so {@code R} is linear in each layer's weights. Hence rescaling layer
 * {@code l}'s {@code |W_l|} by {@code s_l > 0} multiplies {@code R} by {@code ∏ s_l} and {@code
 * ∂R/∂W_l} by {@code ∏_{k≠l} s_k}, so every score {@code W_l ⊙ ∂R/∂W_l} by the same {@code ∏ s_l}:
 * the ranking is unchanged. Each layer is therefore divided by its largest output-unit sum of
 * {@code |W|} (which keeps every activation at most 1) and the whole computation runs in float64,
 * so deep networks do not overflow.
 *
 * <p>Assumes positively homogeneous activations (ReLU, identity, max pooling) as the paper does;
 * batch normalisation is refused, since DL4J computes gradients in training mode, where one input
 * has zero batch variance. The input shape is the first layer's: {@code [1, nIn]} for a dense
 * layer, {@code [1, c*h*w]} when a {@link FeedForwardToCnnPreProcessor} reshapes flat images (a net
 * built with {@code InputType.convolutionalFlat}, like our datasets).
 */
public final class SynFlow {

    /** Score-and-prune rounds, 100 as in the paper's experiments. */
    public static final int ROUNDS = 100;

    private SynFlow() {
    }

    /**
     * Prunes from {@code current} to {@code density} in {@code rounds} rounds, round {@code k}
     * keeping a fraction {@code d0 (density / d0)^(k / rounds)} of all prunable weights ({@code d0}
     * = {@code current.density()}; {@code density^(k / rounds)} from a dense start), re-scoring with
     * the masks of the previous round.
     *
     * @param density fraction of all prunable weights to keep, in (0, current.density()]
     * @param rounds  number of score-and-prune rounds, at least 1
     */
    public static Masks prune(Model net, Masks current, double density, int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds: expected at least 1, got " + rounds);
        }
        Selection.checkDensity("density", density, current.density(), false);
        Model copy = linearised(net, current);
        try {
            Map<String, INDArray> weights = absoluteWeights(copy, current);
            double start = current.density();
            Masks masks = current;
            for (int k = 1; k <= rounds; k++) {
                double target = k == rounds ? density : start * Math.pow(density / start, (double) k / rounds);
                // rounding a round's count may leave the mask a hair below the next target; keeping
                // the mask's own density then keeps round(target * size) weights all the same
                target = Math.min(masks.density(), target);
                for (String key : masks.keys()) {
                    masks.applyTo(key, copy.getParam(key).assign(weights.get(key)));
                }
                masks = Selection.global(net, masks, linearisedScores(copy, masks), target);
            }
            return masks;
        } finally {
            Gradients.release(copy);
        }
    }

    /** The SynFlow score of every prunable weight of {@code net} under {@code masks}, up to one positive factor. */
    public static Map<String, INDArray> scores(Model net, Masks masks) {
        Model copy = linearised(net, masks);
        boolean scored = false;
        try {
            Map<String, INDArray> scores = linearisedScores(copy, masks);
            scored = true;
            return scores;
        } finally {
            Gradients.release(copy, scored);  // the scores live in the copy's gradient buffer
        }
    }

    /**
     * A float64 copy of {@code net} with the masks applied, every parameter replaced by its absolute
     * value, biases at zero, dropout off and an output layer whose loss is {@code -R}.
     */
    private static Model linearised(Model net, Masks masks) {
        Model copy = Gradients.copy(net, masks);
        for (Layer layer : Nets.layers(copy)) {
            if (layer.conf().getLayer() instanceof BatchNormalization) {
                throw new IllegalArgumentException("net: SynFlow does not support batch normalisation (layer '"
                        + layer.conf().getLayer().getLayerName() + "')");
            }
        }
        copy.paramTable().forEach((key, param) -> {
            if (key.endsWith("_b")) {
                param.assign(0);
            } else {
                Transforms.abs(param, false);
            }
        });
        var output = (BaseOutputLayer) outputLayer(copy).conf().getLayer();
        output.setActivationFn(new ActivationIdentity());
        output.setLossFn(new NegativePathSum());
        return copy;
    }

    private static Map<String, INDArray> absoluteWeights(Model copy, Masks masks) {
        var weights = new LinkedHashMap<String, INDArray>();
        masks.keys().forEach(key -> weights.put(key, copy.getParam(key).dup()));
        return weights;
    }

    /**
     * Scores on the linearised {@code copy}, whose weights are |w| masked by {@code masks}: views into its gradient
     * buffer, overwritten by the next call.
     */
    private static Map<String, INDArray> linearisedScores(Model copy, Masks masks) {
        for (String key : masks.keys()) {
            INDArray w = copy.getParam(key);
            // sum over the inputs of each output unit: dense W is [nIn, nOut], convolution W [out, in, kh, kw]
            INDArray sums = w.rank() == 2 ? w.sum(0) : w.reshape(w.size(0), -1).sum(1);
            double largest = sums.maxNumber().doubleValue();
            if (largest > 0) {
                w.divi(largest);
            }
        }
        INDArray ones = Nd4j.ones(DataType.DOUBLE, inputShape(copy));
        INDArray unused = Nd4j.zeros(DataType.DOUBLE, 1, ((BaseOutputLayer) outputLayer(copy).conf().getLayer()).getNOut());
        Map<String, INDArray> scores = Gradients.summed(copy, masks.keys(), new DataSet(ones, unused));
        // |-dR/dw * w|, computed where the gradient lies
        scores.forEach((key, s) -> Transforms.abs(s.muli(copy.getParam(key)), false));
        return scores;
    }

    /**
     * {@code -R} as the loss: minus the sum of the outputs, whatever the labels (which DL4J requires but this loss
     * ignores). Its gradient with respect to every output is -1, so the network's loss gradient is {@code -∂R/∂w},
     * from one forward pass; no masks (SynFlow's single input has none).
     */
    private static final class NegativePathSum implements ILossFunction {

        @Override
        public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
            return activation.getActivation(preOutput.dup(), false).sum(true, 1).negi();
        }

        @Override
        public double computeScore(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask, boolean average) {
            INDArray scores = computeScoreArray(labels, preOutput, activation, mask);
            double sum = scores.sumNumber().doubleValue();
            return average ? sum / scores.size(0) : sum;
        }

        @Override
        public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
            return activation.backprop(preOutput.dup(), preOutput.ulike().assign(-1)).getFirst();
        }

        @Override
        public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activation,
                INDArray mask, boolean average) {
            return Pair.of(computeScore(labels, preOutput, activation, mask, average), computeGradient(labels, preOutput, activation, mask));
        }

        @Override
        public String name() {
            return "NegativePathSum";
        }
    }

    private static Layer outputLayer(Model net) {
        Layer layer = net instanceof MultiLayerNetwork m ? m.getOutputLayer() : ((ComputationGraph) net).getOutputLayer(0);
        if (!(layer.conf().getLayer() instanceof BaseOutputLayer)) {
            throw new IllegalArgumentException("net: expected an output layer with a loss at the end, got "
                    + layer.conf().getLayer().getClass().getSimpleName());
        }
        return layer;
    }

    /** One example of the network's input: see the class comment. */
    private static long[] inputShape(Model net) {
        org.deeplearning4j.nn.conf.layers.Layer first;
        InputPreProcessor preprocessor;
        if (net instanceof MultiLayerNetwork m) {
            first = m.getLayerWiseConfigurations().getConf(0).getLayer();
            preprocessor = m.getLayerWiseConfigurations().getInputPreProcess(0);
        } else {
            var conf = ((ComputationGraph) net).getConfiguration();
            String input = conf.getNetworkInputs().get(0);
            GraphVertex vertex = conf.getVertexInputs().entrySet().stream()
                    .filter(e -> e.getValue().contains(input))
                    .map(e -> conf.getVertices().get(e.getKey()))
                    .findFirst().orElseThrow();
            if (!(vertex instanceof LayerVertex layer)) {
                throw new IllegalArgumentException("net: expected a layer after the input, got " + vertex.getClass().getSimpleName());
            }
            first = layer.getLayerConf().getLayer();
            preprocessor = layer.getPreProcessor();
        }
        if (preprocessor instanceof FeedForwardToCnnPreProcessor p) {
            return new long[] {1, p.getNumChannels() * p.getInputHeight() * p.getInputWidth()};
        }
        if (first instanceof DenseLayer || first instanceof BaseOutputLayer) {
            return new long[] {1, ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) first).getNIn()};
        }
        throw new IllegalArgumentException("net: cannot tell the input shape of first layer '" + first.getLayerName()
                + "' (" + first.getClass().getSimpleName() + "); build the net with InputType.convolutionalFlat or start with a dense layer");
    }
}
