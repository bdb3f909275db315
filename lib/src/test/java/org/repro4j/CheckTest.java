package org.repro4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.repro4j.data.Datasets;

class CheckTest {

    /** A record validated where it is built. */
    record Pruning(String dataset, double lr, int batchSize, double sparsity) {
        Pruning {
            Check.oneOf("dataset", dataset, Datasets.names());
            Check.positive("lr", lr);
            Check.atLeast("batchSize", batchSize, 1);
            Check.fraction("sparsity", sparsity);
        }
    }

    private static String message(Runnable build) {
        return assertThrows(IllegalArgumentException.class, build::run).getMessage();
    }

    @Test
    void eachBadFieldIsNamedWithItsRange() {
        assertEquals("lr: expected a finite number above 0, got -0.1", message(() -> new Pruning("mnist", -0.1, 60, 0.5)));
        assertEquals("batchSize: expected at least 1, got 0", message(() -> new Pruning("mnist", 0.1, 0, 0.5)));
        assertEquals("sparsity: expected a value in [0, 1), got 1.0", message(() -> new Pruning("mnist", 0.1, 60, 1.0)));
        assertEquals("sparsity: expected a value in [0, 1), got NaN", message(() -> new Pruning("mnist", 0.1, 60, Double.NaN)));
        assertEquals("dataset: unknown 'imagenet'; known: fashion-mnist, mnist, cifar-10",
                message(() -> new Pruning("imagenet", 0.1, 60, 0.5)));
    }

    @Test
    void goodValuesPass() {
        assertEquals(0.0, new Pruning("cifar-10", 1e-3, 1, 0.0).sparsity());
    }

    @Test
    void unknownDatasetNameListsTheKnownOnes() {
        assertEquals("dataset: unknown 'svhn'; known: fashion-mnist, mnist, cifar-10", message(() -> Datasets.get("svhn")));
        assertEquals(List.of("fashion-mnist", "mnist", "cifar-10"), List.copyOf(Datasets.names()));
    }
}
