package org.repro4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.Fixtures;
import org.repro4j.models.Models;

class MomentumTest {

    @Test
    void theStepIsTheLearningRateTimesTheDecayedSumOfGradients() {
        var updater = new Momentum(0.1, 0.9).instantiate(Nd4j.zeros(DataType.DOUBLE, 1, 2), true);
        var g1 = Nd4j.createFromArray(1.0, -2.0).reshape(1, 2);
        updater.applyUpdater(g1, 0, 0);
        assertEquals(Nd4j.createFromArray(0.1, -0.2).reshape(1, 2), g1);
        var g2 = Nd4j.createFromArray(0.5, 0.5).reshape(1, 2);
        updater.applyUpdater(g2, 1, 0);
        // v = 0.9 * (1, -2) + (0.5, 0.5) = (1.4, -1.3)
        assertEquals(0.14, g2.getDouble(0), 1e-12);
        assertEquals(-0.13, g2.getDouble(1), 1e-12);
    }

    @Test
    void aCheckpointedNetworkGoesOnWithTheSameVelocity() throws IOException {
        var net = Models.mlp(4, List.of(8), 2, new Momentum(0.05, 0.9), 1);
        var data = Fixtures.blobs(16, 1);
        var batch = new DataSet(data.features(), data.oneHotLabels());
        for (int i = 0; i < 3; i++) {
            net.fit(batch);
        }
        var bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        var restored = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertEquals(net.getLayerWiseConfigurations().toJson(), restored.getLayerWiseConfigurations().toJson());
        net.fit(batch);
        restored.fit(batch);
        assertEquals(net.params(), restored.params());
    }

    @Test
    void badSettingsAreRefusedNamingTheField() {
        var lr = assertThrows(IllegalArgumentException.class, () -> new Momentum(0, 0.9));
        assertEquals("learningRate: expected a finite number above 0, got 0.0", lr.getMessage());
        var mu = assertThrows(IllegalArgumentException.class, () -> new Momentum(0.1, 1.0));
        assertEquals("momentum: expected a value in [0, 1), got 1.0", mu.getMessage());
    }
}
