package org.repro4j.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class GroupNormalizationTest {

    private static final double EPS = 1e-5;

    /** Conv 2x2 (2 -> 6 channels, tanh) on 2x5x5 images, then {@code norm}, then a softmax over 3 classes. */
    private static MultiLayerNetwork convNet(GroupNormalization norm, DataType dataType) {
        return convNet(norm, dataType, 5);
    }

    /** As {@link #convNet(GroupNormalization, DataType)} on 2 x {@code size} x {@code size} images, without updates. */
    private static MultiLayerNetwork convNet(GroupNormalization norm, DataType dataType, int size) {
        var net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).dataType(dataType).updater(new NoOp()).list()
                .layer(new ConvolutionLayer.Builder(2, 2).nOut(6).activation(Activation.TANH).build())
                .layer(norm)
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(size, size, 2)).build());
        net.init();
        return net;
    }

    /** Gamma and beta set to distinct values, so the tests see them act per channel. */
    private static void setGammaBeta(MultiLayerNetwork net, DataType dataType) {
        net.getParam("1_gamma").assign(Nd4j.create(new double[] {0.5, 1.5, -1, 2, 0.8, 1.2}).castTo(dataType).reshape(1, 6));
        net.getParam("1_beta").assign(Nd4j.create(new double[] {0.1, -0.2, 0.3, 0, 0.5, -1}).castTo(dataType).reshape(1, 6));
    }

    /** gamma * (x - mean) / sqrt(var + eps) + beta, by hand, the statistics of each example taken over {@code axes}. */
    private static INDArray byHand(INDArray x, INDArray gamma, INDArray beta, int channelsPerSet, int... axes) {
        INDArray y = x.ulike();
        for (long n = 0; n < x.size(0); n++) {
            for (long c0 = 0; c0 < x.size(1); c0 += channelsPerSet) {
                INDArray set = x.get(NDArrayIndex.point(n), NDArrayIndex.interval(c0, c0 + channelsPerSet));
                double mean = set.meanNumber().doubleValue();
                double var = set.sub(mean).muli(set.sub(mean)).meanNumber().doubleValue();
                for (long c = c0; c < c0 + channelsPerSet; c++) {
                    INDArray channel = x.get(NDArrayIndex.point(n), NDArrayIndex.point(c));
                    y.get(NDArrayIndex.point(n), NDArrayIndex.point(c)).assign(channel.sub(mean).divi(Math.sqrt(var + EPS))
                            .muli(gamma.getDouble(c)).addi(beta.getDouble(c)));
                }
            }
        }
        return y;
    }

    @Test
    void groupsEqualToChannelsIsInstanceNorm() {
        var net = convNet(new GroupNormalization(6), DataType.DOUBLE);
        setGammaBeta(net, DataType.DOUBLE);
        INDArray x = NormNets.features(DataType.DOUBLE, 4, 2, 5, 5);
        var activations = net.feedForward(x, true);
        INDArray in = activations.get(1), out = activations.get(2);
        // instance norm (Ulyanov et al. 2016): each (example, channel) over its 4x4 positions
        INDArray mean = in.mean(2, 3), var = in.var(false, 2, 3);
        INDArray expected = in.dup();
        for (int n = 0; n < 4; n++) {
            for (int c = 0; c < 6; c++) {
                INDArray plane = expected.get(NDArrayIndex.point(n), NDArrayIndex.point(c));
                plane.subi(mean.getDouble(n, c)).divi(Math.sqrt(var.getDouble(n, c) + EPS))
                        .muli(net.getParam("1_gamma").getDouble(c)).addi(net.getParam("1_beta").getDouble(c));
            }
        }
        assertEquals(0, expected.sub(out).amaxNumber().doubleValue(), 1e-12);
    }

    @Test
    void oneGroupIsLayerNormOverChannelsAndPositions() {
        var net = convNet(new GroupNormalization(1), DataType.DOUBLE);
        setGammaBeta(net, DataType.DOUBLE);
        INDArray x = NormNets.features(DataType.DOUBLE, 4, 2, 5, 5);
        var activations = net.feedForward(x, false);
        INDArray in = activations.get(1), out = activations.get(2);
        // layer norm (Ba et al. 2016) over each example's (C, H, W)
        INDArray mean = in.mean(1, 2, 3), var = in.var(false, 1, 2, 3);
        INDArray expected = in.dup();
        for (int n = 0; n < 4; n++) {
            INDArray example = expected.get(NDArrayIndex.point(n));
            example.subi(mean.getDouble(n)).divi(Math.sqrt(var.getDouble(n) + EPS));
            for (int c = 0; c < 6; c++) {
                example.get(NDArrayIndex.point(c)).muli(net.getParam("1_gamma").getDouble(c)).addi(net.getParam("1_beta").getDouble(c));
            }
        }
        assertEquals(0, expected.sub(out).amaxNumber().doubleValue(), 1e-12);
    }

    @Test
    void threeGroupsNormaliseConsecutiveChannelPairs() {
        var net = convNet(new GroupNormalization(3), DataType.DOUBLE);
        setGammaBeta(net, DataType.DOUBLE);
        INDArray x = NormNets.features(DataType.DOUBLE, 3, 2, 5, 5);
        var activations = net.feedForward(x, true);
        INDArray expected = byHand(activations.get(1), net.getParam("1_gamma"), net.getParam("1_beta"), 2);
        assertEquals(0, expected.sub(activations.get(2)).amaxNumber().doubleValue(), 1e-12);
    }

    @Test
    void denseFeaturesAreSplitIntoGroups() {
        var net = NormNets.dense(new GroupNormalization(2), DataType.DOUBLE, new Sgd(0.1));
        setGammaBeta(net, DataType.DOUBLE);
        INDArray x = NormNets.features(DataType.DOUBLE, 5, 5);
        var activations = net.feedForward(x, true);
        // features 0-2 and 3-5 of each example normalised separately
        INDArray expected = byHand(activations.get(1), net.getParam("1_gamma"), net.getParam("1_beta"), 3);
        assertEquals(0, expected.sub(activations.get(2)).amaxNumber().doubleValue(), 1e-12);
    }

    @Test
    void anExamplesOutputDoesNotDependOnItsBatch() {
        var net = convNet(new GroupNormalization(2), DataType.FLOAT);
        INDArray x = NormNets.features(DataType.FLOAT, 6, 2, 5, 5);
        INDArray alone = net.feedForward(x.get(NDArrayIndex.interval(0, 1)), true).get(2);
        INDArray inBatch = net.feedForward(x, true).get(2).get(NDArrayIndex.interval(0, 1));
        assertEquals(0, alone.sub(inBatch).amaxNumber().doubleValue(), 1e-6);
    }

    @Test
    void convolutionalGradientsMatchFiniteDifferences() {
        NormNets.inDoublePrecision(() -> {
            for (int groups : new int[] {1, 3, 6}) {
                var net = convNet(new GroupNormalization(groups), DataType.DOUBLE, 3);  // 6 x 2 x 2 activations
                setGammaBeta(net, DataType.DOUBLE);
                INDArray x = NormNets.features(DataType.DOUBLE, 4, 2, 3, 3), y = NormNets.labels(DataType.DOUBLE, 4);
                assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                        .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-8)), "groups " + groups);
            }
        });
    }

    @Test
    void denseGradientsMatchFiniteDifferences() {
        NormNets.inDoublePrecision(() -> {
            var net = NormNets.dense(new GroupNormalization(2), DataType.DOUBLE, new NoOp());
            setGammaBeta(net, DataType.DOUBLE);
            INDArray x = NormNets.features(DataType.DOUBLE, 7, 5), y = NormNets.labels(DataType.DOUBLE, 7);
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                    .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-8)));
        });
    }

    /** Output, loss gradient and input gradient of the float conv net, by the layer's loops or by its ND4J-op path. */
    private static INDArray[] floatPass(int groups, boolean ops) {
        String old = System.getProperty(GroupNormalizationLayer.OPS_PROPERTY);
        System.setProperty(GroupNormalizationLayer.OPS_PROPERTY, String.valueOf(ops));
        try {
            var net = convNet(new GroupNormalization(groups), DataType.FLOAT, 6);
            setGammaBeta(net, DataType.FLOAT);
            INDArray x = NormNets.features(DataType.FLOAT, 5, 2, 6, 6), y = NormNets.labels(DataType.FLOAT, 5);
            INDArray out = net.output(x).dup();
            var pass = net.calculateGradients(x, y, null, null);
            return new INDArray[] {out, pass.getFirst().gradient().dup(), pass.getSecond().dup()};
        } finally {
            if (old == null) {
                System.clearProperty(GroupNormalizationLayer.OPS_PROPERTY);
            } else {
                System.setProperty(GroupNormalizationLayer.OPS_PROPERTY, old);
            }
        }
    }

    @Test
    void theLoopsAgreeWithTheNd4jOpsInFloat() {
        for (int groups : new int[] {1, 3, 6}) {
            INDArray[] loops = floatPass(groups, false), ops = floatPass(groups, true);
            for (int i = 0; i < loops.length; i++) {
                double scale = ops[i].amaxNumber().doubleValue();
                assertTrue(scale > 0, "groups " + groups + ", array " + i + " is all zeros");
                assertEquals(0, loops[i].sub(ops[i]).amaxNumber().doubleValue() / scale, 2e-6, "groups " + groups + ", array " + i);
            }
        }
    }

    @Test
    void theBackwardPassTakesTheForwardPassStatisticsOnlyForItsInputAndGivesTheSameGradients() {
        var net = convNet(new GroupNormalization(3), DataType.FLOAT, 6);
        net.initGradientsView();
        var layer = (GroupNormalizationLayer) net.getLayer(1);
        INDArray x = NormNets.features(DataType.FLOAT, 4, 6, 5, 5).addi(0.7), epsilon = NormNets.features(DataType.FLOAT, 4, 6, 5, 5);
        layer.setInput(x, LayerWorkspaceMgr.noWorkspaces());
        layer.activate(true, LayerWorkspaceMgr.noWorkspaces());
        var kept = layer.backpropGradient(epsilon, LayerWorkspaceMgr.noWorkspaces());
        INDArray keptDx = kept.getSecond().dup(), keptGradients = layer.getGradientsViewArray().dup();
        assertEquals(1, layer.reused);
        // a second backward pass, and one on a copy of the input, compute the statistics again
        for (INDArray input : new INDArray[] {x, x.dup()}) {
            layer.setInput(input, LayerWorkspaceMgr.noWorkspaces());
            var again = layer.backpropGradient(epsilon, LayerWorkspaceMgr.noWorkspaces());
            assertEquals(keptDx, again.getSecond());
            assertEquals(keptGradients, layer.getGradientsViewArray());
        }
        assertEquals(1, layer.reused);
    }

    @Test
    void anInputAndEpsilonInFOrderGiveWhatTheirCOrderCopiesGive() {
        var net = convNet(new GroupNormalization(3), DataType.FLOAT, 6);
        net.initGradientsView();
        var layer = net.getLayer(1);
        INDArray x = NormNets.features(DataType.FLOAT, 4, 6, 5, 5), epsilon = NormNets.features(DataType.FLOAT, 4, 6, 5, 5);
        INDArray[] results = new INDArray[4];
        for (char order : new char[] {'c', 'f'}) {
            layer.setInput(x.dup(order), LayerWorkspaceMgr.noWorkspaces());
            int i = order == 'c' ? 0 : 2;
            results[i] = layer.activate(true, LayerWorkspaceMgr.noWorkspaces()).dup();
            results[i + 1] = layer.backpropGradient(epsilon.dup(order), LayerWorkspaceMgr.noWorkspaces()).getSecond().dup();
        }
        assertEquals(results[0], results[2]);
        assertEquals(results[1], results[3]);
    }

    @Test
    void trainingMovesGammaAndBeta() {
        var net = NormNets.dense(new GroupNormalization(3), DataType.FLOAT, new Sgd(0.1));
        INDArray x = NormNets.features(DataType.FLOAT, 12, 5), y = NormNets.labels(DataType.FLOAT, 12);
        INDArray before = net.params().dup();
        net.fit(x, y);
        assertEquals(List.of("0_W", "0_b", "1_gamma", "1_beta", "2_W", "2_b"), List.copyOf(net.paramTable().keySet()));
        assertTrue(net.getParam("1_gamma").sub(1).amaxNumber().doubleValue() > 1e-4, "gamma moved from 1");
        assertTrue(net.getParam("1_beta").amaxNumber().doubleValue() > 1e-4, "beta moved from 0");
        assertEquals(before.length(), net.params().length());
    }

    @Test
    void jsonRoundTripKeepsGroupsAndEps(@TempDir Path dir) throws Exception {
        var net = convNet(new GroupNormalization(3, 1e-3), DataType.FLOAT);
        setGammaBeta(net, DataType.FLOAT);
        String json = net.getLayerWiseConfigurations().toJson();
        MultiLayerConfiguration parsed = MultiLayerConfiguration.fromJson(json);
        assertEquals(net.getLayerWiseConfigurations(), parsed);
        var layer = assertInstanceOf(GroupNormalization.class, parsed.getConf(1).getLayer());
        assertEquals(3, layer.groups());
        assertEquals(1e-3, layer.eps());

        File file = dir.resolve("net.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        var restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(net.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
        assertEquals(net.params(), restored.params());
        INDArray x = NormNets.features(DataType.FLOAT, 2, 2, 5, 5);
        assertEquals(net.output(x), restored.output(x));
    }

    @Test
    void rejectsFewerThanOneGroup() {
        var e = assertThrows(IllegalArgumentException.class, () -> new GroupNormalization(0));
        assertEquals("groups: expected at least 1 group, got 0", e.getMessage());
    }

    @Test
    void rejectsANonPositiveEps() {
        var e = assertThrows(IllegalArgumentException.class, () -> new GroupNormalization(2, 0));
        assertEquals("eps: expected a positive finite number, got 0.0", e.getMessage());
    }

    @Test
    void rejectsChannelsNotDivisibleByGroups() {
        var e = assertThrows(IllegalArgumentException.class, () -> convNet(new GroupNormalization(4), DataType.FLOAT));
        assertEquals("groups of GroupNormalization 'layer1': expected a divisor of the 6 channels, got 4", e.getMessage());
    }

    @Test
    void rejectsRecurrentInput() {
        var e = assertThrows(IllegalArgumentException.class, () -> new NeuralNetConfiguration.Builder().list()
                .layer(new GroupNormalization(2)).setInputType(InputType.recurrent(4)).build());
        assertEquals("inputType of GroupNormalization 'layer0': expected feed-forward [batch, features] or NCHW "
                + "convolutional [batch, channels, h, w] activations, got InputTypeRecurrent(4,format=NCW)", e.getMessage());
    }
}
