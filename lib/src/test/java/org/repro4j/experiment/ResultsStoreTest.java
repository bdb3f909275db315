package org.repro4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class ResultsStoreTest {

    record Evaluation(int n, double eps) implements Hparams {
        @Override
        public Hparams defaults() {
            return new Evaluation(100, 0.5);
        }
    }

    static final ColumnType[] TYPES = {ColumnType.STRING, ColumnType.DOUBLE, ColumnType.INTEGER};

    static Table computed() {
        return Table.create("distances", StringColumn.create("sampler", "ODE", "SDE"),
                DoubleColumn.create("sw", 0.1 / 3, 2.0), IntColumn.create("seed", 1, 2));
    }

    @Test
    void aStoredTableIsReadBackExactlyInsteadOfComputedAgain(@TempDir Path root) {
        var store = new ResultsStore(root);
        var calls = new AtomicInteger();
        Table first = store.table(new Evaluation(200, 0.5), "distances", TYPES, () -> {
            calls.incrementAndGet();
            return computed();
        });
        Table second = store.table(new Evaluation(200, 0.5), "distances", TYPES, () -> {
            throw new AssertionError("a stored table must not be computed again");
        });
        assertEquals(1, calls.get());
        assertEquals(first.doubleColumn("sw").asList(), second.doubleColumn("sw").asList(), "doubles survive the CSV exactly");
        assertEquals(first.stringColumn("sampler").asList(), second.stringColumn("sampler").asList());
        assertEquals(first.intColumn("seed").asList(), second.intColumn("seed").asList());
        assertTrue(Files.isRegularFile(store.folder(new Evaluation(200, 0.5)).resolve("distances.csv")));
        // another record has its own table
        store.table(new Evaluation(300, 0.5), "distances", TYPES, () -> {
            calls.incrementAndGet();
            return computed();
        });
        assertEquals(2, calls.get());
    }

    @Test
    void aTableOfOtherTypesOrABadNameIsRefusedAndNothingIsWritten(@TempDir Path root) {
        var store = new ResultsStore(root);
        var e = assertThrows(IllegalStateException.class, () -> store.table(new Evaluation(200, 0.5), "distances",
                new ColumnType[] {ColumnType.STRING, ColumnType.DOUBLE, ColumnType.DOUBLE}, ResultsStoreTest::computed));
        assertTrue(e.getMessage().startsWith("distances: computed columns of types [STRING, DOUBLE, INTEGER], expected"), e.getMessage());
        assertFalse(Files.exists(store.folder(new Evaluation(200, 0.5)).resolve("distances.csv")));
        var bad = assertThrows(IllegalArgumentException.class, () -> store.table(new Evaluation(200, 0.5), "../x", TYPES,
                ResultsStoreTest::computed));
        assertEquals("name: expected letters, digits, '-' or '_', got '../x'", bad.getMessage());
    }
}
