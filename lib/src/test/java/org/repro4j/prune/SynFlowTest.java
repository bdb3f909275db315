package org.repro4j.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.repro4j.models.Models;

class SynFlowTest {

    /** Scores divided by their largest, flattened in mask order. */
    private static double[] normalised(Map<String, INDArray> scores) {
        double max = scores.values().stream().mapToDouble(s -> s.maxNumber().doubleValue()).max().orElseThrow();
        List<Double> flat = new ArrayList<>();
        scores.values().forEach(s -> {
            for (double v : s.castTo(DataType.DOUBLE).dup('c').data().asDouble()) {
                flat.add(v / max);
            }
        });
        return flat.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Test
    void scoresMatchTheClosedFormOfAnMlp() {
        MultiLayerNetwork net = Models.mlp(3, List.of(4, 5), 2, new Adam(1e-3), 11);
        Masks masks = Tiny.someMasksPruned(net);
        List<INDArray> w = new ArrayList<>();
        for (String key : masks.keys()) {
            w.add(Transforms.abs(net.getParam(key).castTo(DataType.DOUBLE).mul(masks.get(key).castTo(DataType.DOUBLE))));
        }
        // a[l] = |W_l|^T a[l-1] from a[0] = 1; b[l] = |W_{l+1}| b[l+1] from b[L] = 1 (W is [nIn, nOut])
        int layers = w.size();
        INDArray[] a = new INDArray[layers + 1], b = new INDArray[layers + 1];
        a[0] = org.nd4j.linalg.factory.Nd4j.ones(DataType.DOUBLE, 3, 1);
        for (int l = 1; l <= layers; l++) {
            a[l] = w.get(l - 1).transpose().mmul(a[l - 1]);
        }
        b[layers] = org.nd4j.linalg.factory.Nd4j.ones(DataType.DOUBLE, 2, 1);
        for (int l = layers - 1; l >= 0; l--) {
            b[l] = w.get(l).mmul(b[l + 1]);
        }
        var expected = new java.util.LinkedHashMap<String, INDArray>();
        int l = 0;
        for (String key : masks.keys()) {
            // score[i, j] = |W|[i, j] a_{l-1}[i] b_l[j]
            expected.put(key, w.get(l).mul(a[l].mmul(b[l + 1].transpose())));
            l++;
        }
        assertArrayEquals(normalised(expected), normalised(SynFlow.scores(net, masks)), 1e-12);
        assertEquals(0, SynFlow.scores(net, masks).get("0_W").getDouble(0, 0));
    }

    @Test
    void deepNetsGiveFiniteScoresAndTheMaskOfARescaledCopy() {
        MultiLayerNetwork net = Models.mlp(4, Collections.nCopies(29, 4), 2, new Adam(1e-3), 5);
        MultiLayerNetwork rescaled = net.clone();
        int l = 0;
        for (String key : Masks.dense(net).keys()) {
            net.getParam(key).muli(100);  // 30 layers of (100 * 4 * ~0.5)^30: far beyond float32's 3e38
            rescaled.getParam(key).muli(l++ % 2 == 0 ? 1e-3 : 1e4);
        }
        Masks dense = Masks.dense(net);
        for (INDArray s : SynFlow.scores(net, dense).values()) {
            for (double v : s.data().asDouble()) {
                assertTrue(Double.isFinite(v) && v > 0, "score " + v);
            }
        }
        Masks masks = SynFlow.prune(net, dense, 0.3, 3);
        Masks masksRescaled = SynFlow.prune(rescaled, Masks.dense(rescaled), 0.3, 3);
        for (String key : masks.keys()) {
            assertEquals(masks.get(key), masksRescaled.get(key), key);
        }
    }

    @Test
    void keepsEveryLayerWhereMagnitudeCollapsesOne() {
        MultiLayerNetwork net = Models.mlp(8, List.of(8, 8), 2, new Adam(1e-3), 3);
        net.getParam("1_W").muli(1e-3);
        Masks dense = Masks.dense(net);
        double density = 6.0 / dense.size();
        Masks magnitude = Pruners.get("magnitude", 0).prune(net, dense, density, null);
        Masks synflow = SynFlow.prune(net, dense, density, 20);
        assertEquals(0, magnitude.remaining("1_W"));
        assertEquals(6, synflow.remaining());
        for (String key : synflow.keys()) {
            assertTrue(synflow.remaining(key) > 0, key + " collapsed: " + synflow.densities());
        }
    }

    @Test
    void lastRoundKeepsTheExactCountWhenAnEarlierRoundRoundedBelowItsTarget() {
        MultiLayerNetwork net = Models.mlp(8, List.of(8, 8), 2, new Adam(1e-3), 3);
        Masks start = Pruners.get("magnitude", 0).prune(net, Masks.dense(net), 8.0 / 144, null);
        // round 1 aims at sqrt(8 * 7.01) = 7.49 weights and keeps 7, below the final 7.01
        assertEquals(7, SynFlow.prune(net, start, 7.01 / 144, 2).remaining());
    }

    @Test
    void rejectsFewerThanOneRound() {
        MultiLayerNetwork net = Tiny.mlp(1);
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SynFlow.prune(net, Masks.dense(net), 0.5, 0));
        assertEquals("rounds: expected at least 1, got 0", e.getMessage());
    }
}
