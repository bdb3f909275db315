package org.repro4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.models.Models;

class CosineScheduleTest {

    @Test
    void fallsAlongHalfACosineToZero() {
        var schedule = new CosineSchedule(0.1, 100);
        assertEquals(0.1, schedule.valueAt(0, 0), 1e-15);
        assertEquals(0.05, schedule.valueAt(50, 0), 1e-15);
        assertEquals(0.1 * (1 + Math.cos(Math.PI / 4)) / 2, schedule.valueAt(25, 7), 1e-15);
        assertEquals(0.0, schedule.valueAt(100, 0));
        assertEquals(0.0, schedule.valueAt(1000, 0));
    }

    @Test
    void theNetworkUsesItIterationByIteration() {
        var net = Models.mlp(2, List.of(), 2, new Adam(new CosineSchedule(0.1, 4)), 1);
        var batch = new DataSet(Nd4j.rand(3, 2), Nd4j.createFromArray(new float[][] {{1, 0}, {0, 1}, {1, 0}}));
        for (int i = 0; i < 2; i++) {
            net.fit(batch);
        }
        assertEquals(0.05, net.getLearningRate(0), 1e-12);
    }

    @Test
    void survivesTheNetworkConfigurationsJsonRoundTrip() {
        var conf = Models.mlp(2, List.of(3), 2, new Adam(new CosineSchedule(0.1, 4)), 1).getLayerWiseConfigurations();
        assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()));
    }

    @Test
    void invalidSettingsAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(0, 10));
        assertEquals("initial: expected a finite number above 0, got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(0.1, 0));
        assertEquals("iterations: expected at least 1, got 0", e.getMessage());
    }
}
