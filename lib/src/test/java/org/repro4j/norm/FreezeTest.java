package org.repro4j.norm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.repro4j.Fixtures;
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

    private static Map<String, float[]> snapshot(MultiLayerNetwork net) {
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

    @Test
    void batchNormKeysAreThoseOfDl4jsLayer() {
        var keys = net().getLayer(1).paramTable().keySet();
        assertArrayEquals(new String[] {"gamma", "beta", "mean", "log10stdev"}, keys.toArray(String[]::new));
        for (String key : keys) {
            assertTrue(Freeze.BATCH_NORM_KEYS.contains("_" + key), key);
        }
    }
}
