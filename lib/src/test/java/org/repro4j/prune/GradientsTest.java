package org.repro4j.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.repro4j.Fixtures;
import org.repro4j.train.Nets;

class GradientsTest {

    @Test
    void aCopysGradientBufferStartsAsUntouchedZerosAndGivesDl4jsGradients() {
        MultiLayerNetwork net = Tiny.mlp(3);
        var masks = Tiny.someMasksPruned(net);
        Model copy = Gradients.copy(net, masks);
        INDArray preset = copy.getGradientsViewArray();
        assertNotNull(preset, "set before the first pass, where DL4J would make its own");
        assertEquals(0, preset.amaxNumber().doubleValue());
        Map<String, INDArray> ours = Gradients.of(copy, masks.keys(), Tiny.batch(4, 1));
        assertSame(preset, copy.getGradientsViewArray(), "DL4J filled it");
        Model plain = Nets.copy(net, DataType.DOUBLE);   // as Gradients.copy, with DL4J's own gradient buffer
        for (Layer layer : Nets.layers(plain)) {
            layer.conf().getLayer().setIDropout(null);
        }
        masks.applyTo(plain);
        Map<String, INDArray> dl4j = Gradients.of(plain, masks.keys(), Tiny.batch(4, 1));
        assertNotSame(preset, plain.getGradientsViewArray());
        for (String key : masks.keys()) {
            assertArrayEquals(Fixtures.bits(dl4j.get(key)), Fixtures.bits(ours.get(key)), key);
        }
    }

    @Test
    void releaseFreesACopysParametersGradientsAndUpdaterStateAndLeavesTheNetwork() {
        MultiLayerNetwork net = Tiny.mlp(3);
        var masks = Tiny.someMasksPruned(net);
        Model copy = Gradients.copy(net, masks);
        Gradients.of(copy, masks.keys(), Tiny.batch(4, 1));
        INDArray params = copy.params(), gradients = copy.getGradientsViewArray();
        INDArray state = ((MultiLayerNetwork) copy).getUpdater(true).getStateViewArray();
        Gradients.release(copy);
        assertTrue(params.wasClosed(), "parameters");
        assertTrue(gradients.wasClosed(), "gradients");
        assertTrue(state == null || state.wasClosed(), "updater state");
        assertFalse(net.params().wasClosed(), "the network copied");
        assertTrue(SynFlow.scores(net, masks).values().stream().noneMatch(INDArray::wasClosed), "scores outlive the copy");
        assertTrue(Snip.scores(net, masks, Tiny.batch(4, 1)).values().stream().noneMatch(INDArray::wasClosed));
        assertTrue(Grasp.scores(net, masks, Tiny.batch(4, 1)).values().stream().noneMatch(INDArray::wasClosed));
    }
}
