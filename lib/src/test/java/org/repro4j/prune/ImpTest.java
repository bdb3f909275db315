package org.repro4j.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.Fixtures;
import org.repro4j.experiment.Hparams;
import org.repro4j.experiment.ResultsStore;
import org.repro4j.models.Models;
import org.repro4j.train.Trainer;

class ImpTest {

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    record TinyTicket(int round, String variant, long rewindTo) implements Hparams {
        @Override
        public Hparams defaults() {
            return new TinyTicket(0, Imp.TICKET, 0);
        }
    }

    private static Imp.Spec spec(long rewindTo) {
        var train = Fixtures.blobs(64, 1);
        var init = Models.mlp(4, List.of(20), 2, new Adam(0.01), 1);
        return new Imp.Spec((round, variant) -> new TinyTicket(round, variant, rewindTo),
                () -> Models.mlp(4, List.of(20), 2, new Adam(0.01), 1), round -> Models.mlp(4, List.of(20), 2, new Adam(0.01), 100 + round),
                train, Trainer.splits(train, Fixtures.blobs(16, 3), Fixtures.blobs(32, 2)),
                Trainer.Options.ofIterations(24, 8, 2).evaluatingEvery(4), 3, rewindTo,
                Imp.rates(Masks.dense(init), 0.2, 0.1), Imp.CONTROLS, 9);
    }

    @Test
    void eachRoundPrunesItsShareOfEachLayerExactlyAndTheMasksNest(@TempDir Path store) {
        var results = Imp.run(spec(0), new ResultsStore(store), QUIET);
        assertEquals(1 + 3 * 3, results.size());  // round 0, then ticket + 2 controls for rounds 1..3
        long[] hidden = {80, 64, 51, 41};  // 4x20 weights, each round keeps round(0.8 * remaining)
        long[] output = {40, 36, 32, 29};  // 20x2 weights, 10 % a round
        Masks previous = null;
        for (var r : results) {
            if (!r.variant().equals(Imp.TICKET)) {
                continue;
            }
            assertEquals(hidden[r.round()], r.masks().remaining("0_W"), "round " + r.round());
            assertEquals(output[r.round()], r.masks().remaining("1_W"), "round " + r.round());
            if (previous != null) {
                assertTrue(r.masks().within(previous));
            }
            previous = r.masks();
            for (String key : r.masks().keys()) {  // trained with its mask held
                assertEquals(0.0, r.run().net().getParam(key).mul(r.masks().get(key).rsub(1)).norm1Number().doubleValue());
            }
        }
        var controls = results.stream().filter(r -> r.variant().equals("random-mask")).toList();
        assertEquals(List.of(64L, 51L, 41L), controls.stream().map(r -> r.masks().remaining("0_W")).toList(),
                "the random mask keeps the ticket's layer-wise densities");
        var summary = Imp.summary(results);
        assertEquals(10, summary.rowCount());
        assertEquals(1.0, summary.doubleColumn("density").get(0));
    }

    @Test
    void aSecondCallLoadsEveryRoundAndLateRewindingResetsToTheDenseRunAtK(@TempDir Path store) {
        var first = Imp.run(spec(8), new ResultsStore(store), QUIET);
        var again = Imp.run(spec(8), new ResultsStore(store), QUIET);
        for (int i = 0; i < first.size(); i++) {
            assertTrue(again.get(i).run().loaded(), "result " + i + " loaded");
            assertEquals(first.get(i).run().metrics().doubleColumn("loss").asList(),
                    again.get(i).run().metrics().doubleColumn("loss").asList());
        }
        var round1 = first.get(1);
        assertEquals(24 - 8, round1.run().iterationsThisTime(), "round 1 starts at the rewind iteration");
        assertEquals(8, round1.run().metrics().intColumn("iteration").get(0));

        var twin = Imp.retrain(spec(8), new ResultsStore(store), round1, "twin",
                Trainer.Options.ofIterations(24, 8, 5).evaluatingEvery(4), QUIET);
        var loss = round1.run().metrics().doubleColumn("loss");
        assertEquals(loss.get(0), twin.metrics().doubleColumn("loss").get(0), "the same rewound, masked start");
        assertTrue(loss.get(loss.size() - 1) != twin.metrics().doubleColumn("loss").get(loss.size() - 1), "another data order");
    }

    @Test
    void aRewindPointOutsideTheRunIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> spec(24));
        assertEquals("rewindTo: expected an iteration in [0, 24), got 24", e.getMessage());
    }
}
