package org.repro4j.prune;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class GradientsTest {

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
