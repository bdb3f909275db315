package org.repro4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;
import org.repro4j.models.Models;

class WarmupScheduleTest {

    @Test
    void risesLinearlyThenFollowsTheNextSchedule() {
        var schedule = new WarmupSchedule(10, new CosineSchedule(0.2, 110));
        double atEnd = new CosineSchedule(0.2, 110).valueAt(10, 0);
        assertEquals(0.0, schedule.valueAt(0, 0));
        assertEquals(atEnd * 0.3, schedule.valueAt(3, 0), 1e-15);
        assertEquals(atEnd, schedule.valueAt(10, 0), 1e-15);
        assertEquals(new CosineSchedule(0.2, 110).valueAt(60, 0), schedule.valueAt(60, 0), 1e-15);
    }

    @Test
    void nd4jStepScheduleDecaysAsDocumented() {
        // ND4J's own step schedule, checked because its PolySchedule is wrong in 1.0.0-M2.1: 0.1 * 0.5^floor(t / 100)
        var step = new StepSchedule(ScheduleType.ITERATION, 0.1, 0.5, 100);
        assertEquals(0.1, step.valueAt(99, 0), 1e-15);
        assertEquals(0.05, step.valueAt(100, 0), 1e-15);
        assertEquals(0.025, step.valueAt(250, 0), 1e-15);
    }

    @Test
    void survivesTheNetworkConfigurationsJsonRoundTrip() {
        var conf = Models.mlp(2, List.of(3), 2, new Sgd(new WarmupSchedule(5, new CosineSchedule(0.1, 50))), 1)
                .getLayerWiseConfigurations();
        assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()));
    }

    @Test
    void invalidSettingsAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> new WarmupSchedule(0, new CosineSchedule(0.1, 10)));
        assertEquals("warmup: expected at least 1 iteration, got 0", e.getMessage());
    }
}
