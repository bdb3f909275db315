package org.repro4j.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.Fixtures;
import org.repro4j.models.Models;
import org.repro4j.train.Trainer;

class MasksTest {

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void denseMasksCoverEveryWeightTensorAndNoBias() {
        var masks = Masks.dense(Models.mlp(4, List.of(8), 2, new Adam(0.01), 1));
        assertEquals(List.of("0_W", "1_W"), List.copyOf(masks.keys()));
        assertEquals(4 * 8 + 8 * 2, masks.size());
        assertEquals(1.0, masks.density());
    }

    @Test
    void masksThatDoNotFitAreRefusedNamingTheKey() {
        var net = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1);
        var unknown = assertThrows(IllegalArgumentException.class,
                () -> Masks.of(net, Map.of("0_b", Nd4j.ones(1, 8), "0_W", Nd4j.ones(4, 8), "1_W", Nd4j.ones(8, 2))));
        assertEquals("masks: unknown key '0_b'; prunable: [0_W, 1_W]", unknown.getMessage());
        var shape = assertThrows(IllegalArgumentException.class,
                () -> Masks.of(net, Map.of("0_W", Nd4j.ones(8, 4), "1_W", Nd4j.ones(8, 2))));
        assertEquals("masks['0_W']: expected shape [4, 8], got [8, 4]", shape.getMessage());
        var values = Nd4j.ones(8, 2);
        values.putScalar(3, 0.5);
        var notBinary = assertThrows(IllegalArgumentException.class, () -> Masks.of(net, Map.of("0_W", Nd4j.ones(4, 8), "1_W", values)));
        assertEquals("masks['1_W']: expected only 0 and 1, got 0.5 at flat index 3", notBinary.getMessage());
        var missing = assertThrows(IllegalArgumentException.class, () -> Masks.of(net, Map.of("0_W", Nd4j.ones(4, 8))));
        assertEquals("masks: no mask for '1_W'", missing.getMessage());
    }

    @Test
    void prunedWeightsStayExactlyZeroThroughAdamTraining() {
        var net = Models.mlp(4, List.of(16), 2, new Adam(0.05), 1);
        var masks = Densities.randomMasks(net, Densities.uniform(Masks.dense(net), 0.3), 7);
        masks.applyTo(net);
        var train = Fixtures.blobs(64, 1);
        Trainer.fit(net, train, Trainer.splits(train, null, Fixtures.blobs(32, 2)), new Trainer.Options(40, 8, 1), QUIET,
                Trainer.emptyHistory(), List.of(masks.enforcer()));  // 320 Adam steps
        for (String key : masks.keys()) {
            var pruned = masks.get(key).rsub(1);
            assertEquals(0.0, net.getParam(key).mul(pruned).norm1Number().doubleValue(), key);
            assertTrue(net.getParam(key).mul(masks.get(key)).norm1Number().doubleValue() > 0, key + " still trains");
        }
    }

    @Test
    void saveAndLoadRoundTripAndATruncatedFileIsRefused(@TempDir Path dir) throws IOException {
        var net = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1);
        var masks = Densities.randomMasks(net, Densities.uniform(Masks.dense(net), 0.5), 3);
        Path file = dir.resolve("masks.bin");
        masks.save(file);
        var loaded = Masks.load(file, net);
        for (String key : masks.keys()) {
            assertEquals(masks.get(key), loaded.get(key));
        }
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        var e = assertThrows(IOException.class, () -> Masks.load(file, net));
        assertEquals(file + ": ends before the last mask (truncated?)", e.getMessage());
        Files.writeString(file, "hello");
        var magic = assertThrows(IOException.class, () -> Masks.load(file, net));
        assertTrue(magic.getMessage().startsWith(file + ": not a masks file"), magic.getMessage());
    }

    @Test
    void loadOrComputeComputesOnceThenLoads(@TempDir Path dir) throws IOException {
        var net = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1);
        var calls = new int[1];
        java.util.function.Supplier<Masks> compute = () -> {
            calls[0]++;
            return Densities.randomMasks(net, Densities.uniform(Masks.dense(net), 0.5), 3);
        };
        var first = Masks.loadOrCompute(dir.resolve("m.bin"), net, compute);
        var second = Masks.loadOrCompute(dir.resolve("m.bin"), net, compute);
        assertEquals(1, calls[0]);
        assertEquals(first.get("0_W"), second.get("0_W"));
    }

    @Test
    void withinTellsNestedMasks() {
        var net = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1);
        var dense = Masks.dense(net);
        var half = Densities.randomMasks(net, Densities.uniform(dense, 0.5), 3);
        assertTrue(half.within(dense));
        assertFalse(dense.within(half));
    }
}
