package org.repro4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

class NativeConvTest {

    private static MultiLayerNetwork conv() {
        return Models.conv(1, 8, 8, List.of(3), List.of(5), 4, new Sgd(0.1), 11);
    }

    private static DataSet batch() {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 64);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 4);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 4, 1);
        }
        return new DataSet(x, y);
    }

    @Test
    void convNetsGetTheNativeHelpersOnTheCpu() {
        var net = conv();
        assertNotNull(net.getLayer(0).getHelper());
        assertNotNull(net.getLayer(1).getHelper());
        assertNotNull(net.getLayer(2).getHelper());
        assertNull(net.getLayer(3).getHelper());
    }

    @Test
    void theNativePathGivesTheOutputsAndTheUpdateOfTheBuiltInOne() {
        var fast = conv();
        var slow = new MultiLayerNetwork(fast.getLayerWiseConfigurations().clone());
        slow.init(fast.params().dup(), true);
        assertNull(slow.getLayer(0).getHelper());
        DataSet batch = batch();
        INDArray a = fast.output(batch.getFeatures());
        INDArray b = slow.output(batch.getFeatures());
        assertTrue(a.equalsWithEps(b, 1e-5), () -> a + " vs " + b);
        fast.fit(batch);
        slow.fit(batch);
        assertEquals(slow.score(), fast.score(), 1e-5);
        INDArray pa = fast.params();
        INDArray pb = slow.params();
        assertTrue(pa.equalsWithEps(pb, 1e-5), "parameters differ after one step");
    }
}
