package org.repro4j.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class PlotsTest {

    private final Table history = Table.create("history",
            IntColumn.create("epoch", 0, 0, 1, 1, 2, 2),
            StringColumn.create("split", "train", "test", "train", "test", "train", "test"),
            DoubleColumn.create("accuracy", 0.1, 0.12, 0.8, 0.78, 0.9, 0.85));

    @Test
    void lineDrawsOneSeriesPerGroupWithTheGroupsPoints() {
        var chart = Plots.line(history, "epoch", "accuracy", "split");
        assertEquals(List.of("train", "test"), List.copyOf(chart.getSeriesMap().keySet()));
        var test = chart.getSeriesMap().get("test");
        assertArrayEquals(new double[] {0, 1, 2}, test.getXData());
        assertArrayEquals(new double[] {0.12, 0.78, 0.85}, test.getYData());
        assertTrue(chart.getStyler().isLegendVisible());
    }

    @Test
    void lineWithoutSeriesDrawsAllRowsAsOneLineWithoutLegend() {
        var chart = Plots.line(history, "epoch", "accuracy", (String) null);
        assertEquals(1, chart.getSeriesMap().size());
        assertEquals(6, chart.getSeriesMap().get("accuracy").getXData().length);
        assertTrue(!chart.getStyler().isLegendVisible());
    }

    @Test
    void unknownColumnListsTheTablesColumns() {
        var e = assertThrows(IllegalArgumentException.class, () -> Plots.line(history, "epoch", "acc", "split"));
        assertEquals("table 'history' has no column 'acc'; its columns: [epoch, split, accuracy]", e.getMessage());
    }

    @Test
    void nonNumericColumnIsRejectedNamingItsType() {
        var e = assertThrows(IllegalArgumentException.class, () -> Plots.line(history, "split", "accuracy", null));
        assertEquals("column 'split' of table 'history': expected numbers, got STRING", e.getMessage());
    }

    @Test
    void barHasOneBarPerRow() {
        var chart = Plots.bar(history.where(history.stringColumn("split").isEqualTo("test")), "epoch", "accuracy");
        assertEquals(List.of(0.12, 0.78, 0.85), List.copyOf(chart.getSeriesMap().get("accuracy").getYData()));
    }
}
