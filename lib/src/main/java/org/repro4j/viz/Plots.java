package org.repro4j.viz;

import java.awt.Font;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * XChart charts from tidy Tablesaw tables (one row per point), so a notebook filters a results
 * table and plots it in one line: {@code Plots.line(history, "epoch", "accuracy", "split")}.
 * Every factory returns the chart, which the caller may restyle before {@link Show#png}.
 */
public final class Plots {

    /** Default size of a chart, in pixels. */
    public static final int WIDTH = 640, HEIGHT = 400;

    private Plots() {
    }

    /**
     * One line per distinct value of {@code series} (in order of first appearance) of {@code y}
     * against {@code x}; with {@code series == null}, one line through all rows.
     */
    public static XYChart line(Table table, String x, String y, String series) {
        XYChart chart = xy(table.name(), x, y);
        groups(table, x, y, series).forEach((name, points) -> chart.addSeries(name, points[0], points[1]));
        return style(chart, series != null, false);
    }

    /** One line per numeric column in {@code ys}, each against {@code x}. */
    public static XYChart line(Table table, String x, String... ys) {
        XYChart chart = xy(table.name(), x, ys.length == 1 ? ys[0] : "");
        double[] xs = numbers(table, x);
        for (String y : ys) {
            chart.addSeries(y, xs, numbers(table, y));
        }
        return style(chart, ys.length > 1, false);
    }

    /** Points (no lines) of {@code y} against {@code x}, one colour per distinct value of {@code series} (may be null). */
    public static XYChart scatter(Table table, String x, String y, String series) {
        XYChart chart = xy(table.name(), x, y);
        groups(table, x, y, series).forEach((name, points) -> chart.addSeries(name, points[0], points[1]));
        return style(chart, series != null, true);
    }

    /** Bars of the numeric column {@code value}, one per row, labelled by the column {@code category}. */
    public static CategoryChart bar(Table table, String category, String value) {
        List<String> labels = column(table, category).asList().stream().map(String::valueOf).toList();
        double[] values = numbers(table, value);
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title(table.name()).xAxisTitle(category).yAxisTitle(value).build();
        chart.addSeries(value, labels, Arrays.stream(values).boxed().toList());
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        return chart;
    }

    /** Switches the chart's x axis to a logarithmic scale and returns it. */
    public static XYChart logX(XYChart chart) {
        chart.getStyler().setXAxisLogarithmic(true);
        return chart;
    }

    /** Switches the chart's y axis to a logarithmic scale and returns it. */
    public static XYChart logY(XYChart chart) {
        chart.getStyler().setYAxisLogarithmic(true);
        return chart;
    }

    private static XYChart xy(String title, String x, String y) {
        return new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
    }

    private static XYChart style(XYChart chart, boolean legend, boolean scatter) {
        var styler = chart.getStyler();
        styler.setLegendVisible(legend);
        styler.setLegendPosition(Styler.LegendPosition.InsideSE);
        styler.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        styler.setDefaultSeriesRenderStyle(scatter ? XYSeries.XYSeriesRenderStyle.Scatter : XYSeries.XYSeriesRenderStyle.Line);
        if (scatter) {
            styler.setMarkerSize(4);
        } else {
            chart.getSeriesMap().values().forEach(s -> s.setMarker(SeriesMarkers.NONE));
        }
        return chart;
    }

    /** The (x, y) points of each series, keyed by the series value in order of first appearance. */
    private static Map<String, double[][]> groups(Table table, String x, String y, String series) {
        double[] xs = numbers(table, x), ys = numbers(table, y);
        if (series == null) {
            return Map.of(y, new double[][] {xs, ys});
        }
        Column<?> key = column(table, series);
        Map<String, List<Integer>> rows = new LinkedHashMap<>();
        for (int r = 0; r < table.rowCount(); r++) {
            rows.computeIfAbsent(key.getString(r), k -> new ArrayList<>()).add(r);
        }
        Map<String, double[][]> groups = new LinkedHashMap<>();
        rows.forEach((name, members) -> groups.put(name, new double[][] {
                members.stream().mapToDouble(r -> xs[r]).toArray(),
                members.stream().mapToDouble(r -> ys[r]).toArray()}));
        return groups;
    }

    private static Column<?> column(Table table, String name) {
        if (!table.columnNames().contains(name)) {
            throw new IllegalArgumentException("table '" + table.name() + "' has no column '" + name
                    + "'; its columns: " + table.columnNames());
        }
        return table.column(name);
    }

    private static double[] numbers(Table table, String name) {
        if (!(column(table, name) instanceof NumericColumn<?> numeric)) {
            throw new IllegalArgumentException("column '" + name + "' of table '" + table.name()
                    + "': expected numbers, got " + table.column(name).type().name());
        }
        return numeric.asDoubleArray();
    }
}
