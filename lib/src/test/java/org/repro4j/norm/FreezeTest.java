package org.repro4j.norm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.repro4j.Fixtures;
import org.repro4j.data.Dataset;
import org.repro4j.models.Models;
import org.repro4j.train.Trainer;

class FreezeTest {

    /** 4 -> 8 -> BN -> 8 -> BN -> 2, trained by Adam with weight decay, which would move every parameter. */
    private static MultiLayerNetwork net() {
        var net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(9).updater(new Adam(1e-2)).weightDecay(1e-3).list()
                .layer(new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(2).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(4)).build());
        net.init();
        return net;
    }

    private static Map<String, float[]> snapshot(Model net) {
        var values = new LinkedHashMap<String, float[]>();
        net.paramTable().forEach((key, value) -> values.put(key, value.dup().data().asFloat()));
        return values;
    }

    @Test
    void frozenParametersDoNotChangeByASingleBitAndBatchNormOnesLearn() {
        var net = net();
        Map<String, float[]> before = snapshot(net);
        var train = Fixtures.blobs(100, 1);
        Trainer.fit(net, train, Trainer.splits(train, null, train), Trainer.Options.ofIterations(100, 20, 2).evaluatingEvery(100),
                new PrintStream(OutputStream.nullOutputStream()), Trainer.emptyHistory(), List.of(Freeze.allButBatchNorm(net)));
        Map<String, float[]> after = snapshot(net);
        for (String key : List.of("0_W", "0_b", "2_W", "2_b", "4_W", "4_b")) {
            float[] a = before.get(key), b = after.get(key);
            for (int i = 0; i < a.length; i++) {
                assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), key + "[" + i + "]");
            }
        }
        for (String key : List.of("1_gamma", "1_beta", "3_gamma", "3_beta", "1_mean", "3_log10stdev")) {
            INDArray change = net.getParam(key).sub(Nd4j.create(before.get(key), net.getParam(key).shape()));
            assertTrue(change.amaxNumber().doubleValue() > 1e-2, key + " learned: max change " + change.amaxNumber());
        }
    }

    @Test
    void refusesToFreezeNothingOrEverything() {
        var net = net();
        var e = assertThrows(IllegalArgumentException.class, () -> Freeze.allExcept(net, key -> true));
        assertTrue(e.getMessage().startsWith("trainable: expected some but not all of [0_W"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Freeze.allExcept(net, key -> false));
    }

    private static void train(Model net, Dataset data, int iterations, Trainer.Listener listener) {
        Trainer.fit(net, data, Map.of("train", data), Trainer.Options.ofIterations(iterations, 16, 2).evaluatingEvery(iterations),
                new PrintStream(OutputStream.nullOutputStream()), Trainer.emptyHistory(), List.of(listener));
    }

    private static void assertSameBits(float[] before, float[] after, String key) {
        for (int i = 0; i < before.length; i++) {
            assertEquals(Float.floatToRawIntBits(before[i]), Float.floatToRawIntBits(after[i]), key + "[" + i + "]");
        }
    }

    @Test
    void groupNormIsNotBatchNormAndStaysFrozen() {
        var net = BatchNormsTest.groupThenBatchNorm();
        Map<String, float[]> before = snapshot(net);
        var data = Fixtures.blobs(64, 1);
        train(net, data, 30, Freeze.allButBatchNorm(net));
        Map<String, float[]> after = snapshot(net);
        for (String key : List.of("1_gamma", "1_beta", "0_W", "2_W", "4_W")) {
            assertSameBits(before.get(key), after.get(key), key);
        }
        assertTrue(!Arrays.equals(before.get("3_gamma"), after.get("3_gamma")), "batch norm's gamma learned");
    }

    /** 48 random 1x8x8 images in 3 classes. */
    private static Dataset images() {
        Nd4j.getRandom().setSeed(4);
        int[] labels = new int[48];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 3;
        }
        return new Dataset("images", Nd4j.rand(DataType.FLOAT, 48, 64), labels, 1, 8, 8, List.of("a", "b", "c"));
    }

    private static ComputationGraph resnet() {
        return Models.resnet(1, 8, 8, 1, List.of(2, 4), 3, new Adam(1e-2), 1);
    }

    private static List<String> convWeights(Model net) {
        return net.paramTable().keySet().stream().filter(key -> key.endsWith("conv_W")).toList();
    }

    @Test
    void allButBatchNormOnAResNetGraphTrainsOnlyGammaAndBeta() {
        var net = resnet();
        Map<String, float[]> before = snapshot(net);
        train(net, images(), 10, Freeze.allButBatchNorm(net));
        Map<String, float[]> after = snapshot(net);
        for (String key : before.keySet()) {
            if (BatchNorms.params(net).containsKey(key)) {
                assertTrue(!Arrays.equals(before.get(key), after.get(key)), key + " learned or was estimated");
            } else {
                assertSameBits(before.get(key), after.get(key), key);
            }
        }
    }

    @Test
    void randomPerChannelPicksExactlyThatManyDistinctWeightsInEveryOutputChannel() {
        var net = resnet();
        Map<String, long[]> chosen = Freeze.randomPerChannel(net, convWeights(net), 2, 7);
        long total = 0;
        for (var entry : chosen.entrySet()) {
            long[] shape = net.getParam(entry.getKey()).shape();
            long fanIn = shape[1] * shape[2] * shape[3];
            long[] perChannel = new long[(int) shape[0]];
            for (long index : entry.getValue()) {
                perChannel[(int) (index / fanIn)]++;
            }
            for (long count : perChannel) {
                assertEquals(2, count, entry.getKey());
            }
            assertEquals(entry.getValue().length, Arrays.stream(entry.getValue()).distinct().count(), entry.getKey());
            total += entry.getValue().length;
        }
        assertEquals(BatchNorms.affineCount(net), total, "as many as batch norm's gammas and betas");
        Map<String, long[]> again = Freeze.randomPerChannel(net, convWeights(net), 2, 7);
        Map<String, long[]> other = Freeze.randomPerChannel(net, convWeights(net), 2, 8);
        boolean differs = false;
        for (String key : chosen.keySet()) {
            assertArrayEquals(chosen.get(key), again.get(key), key);
            differs |= !Arrays.equals(chosen.get(key), other.get(key));
        }
        assertTrue(differs, "another seed picks other weights");
    }

    @Test
    void randomPerChannelRejectsMoreThanAChannelHasAndTensorsThatAreNotConvolutions() {
        var net = resnet();
        var e = assertThrows(IllegalArgumentException.class, () -> Freeze.randomPerChannel(net, List.of("stem_conv_W"), 10, 1));
        assertEquals("perChannel: expected 1 to 9 (the weights of one output channel of stem_conv_W), got 10", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Freeze.randomPerChannel(net, List.of("out_W"), 1, 1));
        assertEquals("out_W: expected a convolution weight [out, in, kh, kw], got shape [4, 3]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Freeze.randomPerChannel(net, List.of("nope_W"), 1, 1));
        assertTrue(e.getMessage().startsWith("keys: unknown parameter 'nope_W'; known: [stem_conv_W"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Freeze.randomPerChannel(net, List.of("stem_conv_W"), 0, 1));
    }

    @Test
    void onlyElementsKeepsEveryOtherElementBitForBitAndTrainsTheChosenOnes() {
        var net = resnet();
        Map<String, long[]> chosen = Freeze.randomPerChannel(net, convWeights(net), 2, 3);
        Map<String, float[]> before = snapshot(net);
        train(net, images(), 20, Freeze.onlyElements(net, chosen));
        Map<String, float[]> after = snapshot(net);
        int moved = 0, trained = 0;
        for (String key : before.keySet()) {
            if (key.endsWith("_mean") || key.endsWith("_log10stdev")) {
                assertTrue(!Arrays.equals(before.get(key), after.get(key)), key + ": running statistics keep being estimated");
                continue;
            }
            long[] keep = chosen.getOrDefault(key, new long[0]);
            float[] a = before.get(key).clone(), b = after.get(key).clone();
            for (long index : keep) {
                trained++;
                moved += a[(int) index] != b[(int) index] ? 1 : 0;
                a[(int) index] = b[(int) index] = 0;  // compared above; every other element must keep its bits
            }
            assertSameBits(a, b, key);
        }
        assertEquals(36, trained);
        assertTrue(moved >= trained * 3 / 4, moved + " of " + trained + " chosen weights moved");
    }

    @Test
    void onlyElementsRejectsUnknownKeysIndicesOutsideTheParameterAndNothingToTrain() {
        var net = resnet();
        var e = assertThrows(IllegalArgumentException.class, () -> Freeze.onlyElements(net, Map.of("stem_conv_W", new long[] {18})));
        assertEquals("trainable[stem_conv_W]: expected indices in [0, 18), got 18", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Freeze.onlyElements(net, Map.of("x_W", new long[] {0})));
        assertTrue(e.getMessage().startsWith("trainable: unknown parameter 'x_W'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Freeze.onlyElements(net, Map.of("stem_conv_W", new long[0])));
        assertEquals("trainable: expected at least one element, got none", e.getMessage());
    }
}
