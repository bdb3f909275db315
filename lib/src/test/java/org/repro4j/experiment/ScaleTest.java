package org.repro4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ScaleTest {

    @Test
    void defaultsToLaptopWhenNothingIsSet() {
        assertEquals(Scale.LAPTOP, Scale.resolve(Map.of(), null));
    }

    @Test
    void environmentVariableWinsOverSystemProperty() {
        assertEquals(Scale.SMOKE, Scale.resolve(Map.of("REPRO_SCALE", "smoke"), "paper"));
        assertEquals(Scale.PAPER, Scale.resolve(Map.of(), "PAPER"));
    }

    @Test
    void unknownScaleNamesTheVariableAndTheKnownScales() {
        var e = assertThrows(IllegalArgumentException.class, () -> Scale.resolve(Map.of("REPRO_SCALE", "huge"), null));
        assertTrue(e.getMessage().contains("REPRO_SCALE"), e.getMessage());
        assertTrue(e.getMessage().contains("'huge'"), e.getMessage());
        assertTrue(e.getMessage().contains("smoke, laptop, paper"), e.getMessage());
    }

    @Test
    void pickReturnsTheValueOfItsScale() {
        assertEquals(1, Scale.SMOKE.pick(1, 10, 50));
        assertEquals(10, Scale.LAPTOP.pick(1, 10, 50));
        assertEquals(50, Scale.PAPER.pick(1, 10, 50));
    }
}
