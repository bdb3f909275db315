package org.repro4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class HparamsTest {

    enum Optimizer { SGD, ADAM }

    record Schedule(int warmup, double decay) {
    }

    record LotteryTicket(String dataset, int rounds, double pruneRate, Optimizer optimizer, List<Integer> hidden,
                         Schedule schedule, boolean rewind) implements Hparams {
        static final LotteryTicket DEFAULTS = new LotteryTicket("fashion-mnist", 10, 0.2, Optimizer.ADAM,
                List.of(300, 100), new Schedule(0, 1.0), false);

        @Override
        public Hparams defaults() {
            return DEFAULTS;
        }
    }

    /** The same experiment before a field was added: its old runs must keep their names. */
    record Before(String dataset, int rounds) implements Hparams {
        @Override
        public Hparams defaults() {
            return new Before("fashion-mnist", 10);
        }
    }

    record After(String dataset, int rounds, double dropout) implements Hparams {
        @Override
        public Hparams defaults() {
            return new After("fashion-mnist", 10, 0.0);
        }
    }

    private final LotteryTicket changed = new LotteryTicket("mnist", 10, 1.2e-3, Optimizer.SGD,
            List.of(300, 100), new Schedule(500, 0.1), true);

    @Test
    void canonicalFormSortsKeysAndLeavesOutDefaults() {
        assertEquals("{\"dataset\":\"mnist\",\"optimizer\":\"SGD\",\"pruneRate\":0.0012,"
                + "\"rewind\":true,\"schedule\":{\"decay\":0.1,\"warmup\":500}}", changed.canonical());
        assertEquals("{}", LotteryTicket.DEFAULTS.canonical());
    }

    @Test
    void hashIsPinned() {
        // First 16 hex digits of `printf %s <canonical string above> | sha256sum`; if this changes, every stored result is renamed.
        assertEquals("bcbffddf1d68846f", changed.hash());
    }

    @Test
    void jsonKeepsDefaultsForPeopleReadingIt() {
        assertEquals("{\"dataset\":\"fashion-mnist\",\"hidden\":[300,100],\"optimizer\":\"ADAM\",\"pruneRate\":0.2,"
                + "\"rewind\":false,\"rounds\":10,\"schedule\":{\"decay\":1,\"warmup\":0}}", LotteryTicket.DEFAULTS.json());
    }

    @Test
    void addingADefaultedFieldKeepsTheHash() {
        assertEquals(new Before("mnist", 3).hash(), new After("mnist", 3, 0.0).hash());
        assertNotEquals(new Before("mnist", 3).hash(), new After("mnist", 3, 0.5).hash());
    }

    @Test
    void experimentNameIsTheRecordNameInKebabCase() {
        assertEquals("lottery-ticket", changed.experiment());
    }

    @Test
    void nonFiniteNumbersAreRejectedNamingTheField() {
        var bad = new After("mnist", 3, Double.NaN);
        var e = assertThrows(IllegalArgumentException.class, bad::canonical);
        assertEquals("dropout: expected a finite number, got NaN", e.getMessage());
    }

    @Test
    void stringsAreEscaped() {
        assertEquals("{\"dataset\":\"a\\\"b\\\\c\\n\"}", new Before("a\"b\\c\n", 10).canonical());
    }
}
