package org.repro4j.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.linalg.factory.Nd4j;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class PlotsTest extends HeadlessTest {

    /** Two methods, three rounds each, rows interleaved as an experiment loop writes them. */
    private static Table results() {
        return Table.create("imp",
                IntColumn.create("round", 0, 0, 1, 1, 2, 2),
                StringColumn.create("method", "imp", "random", "imp", "random", "imp", "random"),
                DoubleColumn.create("testAcc", 0.98, 0.98, 0.97, 0.95, 0.96, 0.90),
                DoubleColumn.create("loss", 0.1, 0.1, 0.2, 0.3, 0.25, 0.5));
    }

    @Test
    void errorBarsCarryTheErrorColumnPerSeries() {
        var t = tech.tablesaw.api.Table.create("t", tech.tablesaw.api.DoubleColumn.create("x", 1, 2, 1, 2),
                tech.tablesaw.api.DoubleColumn.create("y", 5, 6, 7, 8), tech.tablesaw.api.DoubleColumn.create("sd", 0.1, 0.2, 0.3, 0.4),
                tech.tablesaw.api.StringColumn.create("s", "a", "a", "b", "b"));
        var chart = Plots.errorBars(t, "x", "y", "sd", "s");
        assertEquals(java.util.List.of("a", "b"), java.util.List.copyOf(chart.getSeriesMap().keySet()));
        assertArrayEquals(new double[] {0.3, 0.4}, chart.getSeriesMap().get("b").getExtraValues());
    }

    @Test
    void lineMakesOneSeriesPerDistinctSeriesValueInOrderOfAppearance() {
        XYChart chart = Plots.line(results(), "round", "testAcc", "method");
        assertEquals(List.of("imp", "random"), List.copyOf(chart.getSeriesMap().keySet()));
    }

    @Test
    void lineSeriesHoldTheRowsOfTheirGroup() {
        XYChart chart = Plots.line(results(), "round", "testAcc", "method");
        XYSeries random = chart.getSeriesMap().get("random");
        assertArrayEquals(new double[] {0, 1, 2}, random.getXData());
        assertArrayEquals(new double[] {0.98, 0.95, 0.90}, random.getYData());
    }

    @Test
    void lineWithoutSeriesIsOneLineNamedAfterYWithoutLegend() {
        XYChart chart = Plots.line(results(), "round", "loss", null);
        assertEquals(List.of("loss"), List.copyOf(chart.getSeriesMap().keySet()));
        assertArrayEquals(new double[] {0.1, 0.1, 0.2, 0.3, 0.25, 0.5}, chart.getSeriesMap().get("loss").getYData());
        assertFalse(chart.getStyler().isLegendVisible());
    }

    @Test
    void lineShowsLegendForSeveralSeries() {
        assertTrue(Plots.line(results(), "round", "testAcc", "method").getStyler().isLegendVisible());
    }

    @Test
    void lineTitlesDefaultToColumnNamesAndSizeTo640x400() {
        XYChart chart = Plots.line(results(), "round", "testAcc", "method");
        assertEquals("testAcc vs round", chart.getTitle());
        assertEquals("round", chart.getXAxisTitle());
        assertEquals("testAcc", chart.getYAxisTitle());
        assertEquals(640, chart.getWidth());
        assertEquals(400, chart.getHeight());
    }

    @Test
    void denseLinesHaveNoMarkers() {
        double[] steps = new double[Plots.MAX_POINTS_WITH_MARKERS + 1];
        Table t = Table.create("curve", DoubleColumn.create("step", steps), DoubleColumn.create("loss", steps));
        assertEquals(SeriesMarkers.NONE, Plots.line(t, "step", "loss", null).getSeriesMap().get("loss").getMarker());
    }

    @Test
    void linesMakesOneSeriesPerYColumn() {
        XYChart chart = Plots.lines(results(), "round", "testAcc", "loss");
        assertEquals(List.of("testAcc", "loss"), List.copyOf(chart.getSeriesMap().keySet()));
        assertArrayEquals(new double[] {0.1, 0.1, 0.2, 0.3, 0.25, 0.5}, chart.getSeriesMap().get("loss").getYData());
    }

    @Test
    void linesWithoutYColumnsIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Plots.lines(results(), "round"));
    }

    @Test
    void scatterFromTableDrawsPointsOnly() {
        XYChart chart = Plots.scatter(results(), "loss", "testAcc", "method");
        assertEquals(2, chart.getSeriesMap().size());
        assertEquals(XYSeriesRenderStyle.Scatter, chart.getSeriesMap().get("imp").getXYSeriesRenderStyle());
    }

    @Test
    void scatterFromIndArrayReadsColumnsAsXAndY() {
        XYChart chart = Plots.scatter("data", Nd4j.createFromArray(new float[][] {{1, 2}, {3, 4}, {5, 6}}));
        XYSeries data = chart.getSeriesMap().get("data");
        assertArrayEquals(new double[] {1, 3, 5}, data.getXData());
        assertArrayEquals(new double[] {2, 4, 6}, data.getYData());
    }

    @Test
    void addScatterOverlaysASecondCloudWithLegend() {
        XYChart chart = Plots.addScatter(Plots.scatter("data", new float[][] {{0, 0}}), "samples",
                new float[][] {{1, 1}, {2, 2}});
        assertEquals(List.of("data", "samples"), List.copyOf(chart.getSeriesMap().keySet()));
        assertTrue(chart.getStyler().isLegendVisible());
    }

    @Test
    void aPanelIsSquareWithFixedAxesAndNoLegend() {
        XYChart chart = Plots.panel("ODE", Nd4j.createFromArray(new float[][] {{1, 2}, {3, 4}}), 300, 5);
        assertEquals(300, chart.getWidth());
        assertEquals(300, chart.getHeight());
        assertEquals(-5.0, chart.getStyler().getXAxisMin());
        assertEquals(5.0, chart.getStyler().getYAxisMax());
        assertFalse(chart.getStyler().isLegendVisible());
        assertArrayEquals(new double[] {1, 3}, chart.getSeriesMap().get("ODE").getXData());
        var e = assertThrows(IllegalArgumentException.class, () -> Plots.panel("x", Nd4j.zeros(2, 2), 300, 0));
        assertEquals("limit: expected a positive value, got 0.0", e.getMessage());
    }

    @Test
    void scatterRejectsPointsThatAreNotPairs() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Plots.scatter("data", Nd4j.zeros(4, 3)));
        assertEquals("points for 'data' must have shape [n, 2], got [4, 3]", e.getMessage());
    }

    @Test
    void barHasOneBarPerRow() {
        Table t = Table.create("final",
                StringColumn.create("method", "snip", "grasp", "synflow"),
                DoubleColumn.create("testAcc", 0.91, 0.92, 0.93));
        CategoryChart chart = Plots.bar(t, "method", "testAcc");
        CategorySeries s = chart.getSeriesMap().get("testAcc");
        assertEquals(List.of("snip", "grasp", "synflow"), List.copyOf(s.getXData()));
        assertEquals(List.of(0.91, 0.92, 0.93), List.copyOf(s.getYData()));
    }

    @Test
    void logXMakesTheXAxisLogarithmic() {
        assertTrue(Plots.logX(Plots.line(results(), "loss", "testAcc", null)).getStyler().isXAxisLogarithmic());
    }

    @Test
    void unknownColumnMessageListsTheTablesColumns() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Plots.line(results(), "round", "accuracy", "method"));
        assertEquals("no column 'accuracy' in table 'imp'; its columns are [round, method, testAcc, loss]",
                e.getMessage());
    }

    @Test
    void unknownSeriesColumnIsRejected() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Plots.line(results(), "round", "testAcc", "pruner"));
        assertTrue(e.getMessage().startsWith("no column 'pruner'"), e.getMessage());
    }

    @Test
    void nonNumericColumnMessageNamesColumnAndType() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Plots.line(results(), "method", "testAcc", null));
        assertEquals("column 'method' of table 'imp' is STRING, but a plot axis needs a numeric column"
                + " (INTEGER, LONG, SHORT, FLOAT or DOUBLE)", e.getMessage());
    }
}
