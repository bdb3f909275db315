package org.repro4j.viz;

import java.awt.Color;
import java.awt.Font;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.linalg.api.ndarray.INDArray;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * XChart charts from tidy Tablesaw tables (one row per point), with defaults that read well
 * inline in a notebook: 640x400 px, 12-16 pt fonts, markers only on sparse lines, a legend
 * only when there is more than one series.
 *
 * <p>Every factory returns the XChart chart itself, so a notebook tweaks it with XChart's own
 * API ({@code chart.getStyler()...}) and shows it with {@link Show#png}. Points are plotted in
 * the table's row order; sort the table first if its rows are not ordered by x.
 */
public final class Plots {

    /** Width of a new chart in pixels. */
    public static final int WIDTH = 640;
    /** Height of a new chart in pixels. */
    public static final int HEIGHT = 400;
    /** Line series with more points than this are drawn without markers. */
    static final int MAX_POINTS_WITH_MARKERS = 30;

    private static final String NUMERIC_TYPES = "INTEGER, LONG, SHORT, FLOAT or DOUBLE";

    private Plots() {}

    /**
     * One line of {@code y} against {@code x} per distinct value of the {@code series} column,
     * in order of first appearance; the series are named by those values.
     *
     * @param t tidy table, one row per point
     * @param x numeric column for the horizontal axis
     * @param y numeric column for the vertical axis
     * @param series column whose values split the rows into lines (any type), or null for a
     *     single line named {@code y}
     * @throws IllegalArgumentException if a column is missing or {@code x}/{@code y} is not numeric
     */
    public static XYChart line(Table t, String x, String y, String series) {
        return xy(t, x, y, series, XYSeriesRenderStyle.Line);
    }

    /**
     * {@link #line} with an error bar of half-height {@code error} at each point (a standard
     * deviation over seeds, say): {@code Plots.errorBars(summary, "density", "mean", "sd", "variant")}.
     *
     * @throws IllegalArgumentException if a column is missing or {@code x}/{@code y}/{@code error} is not numeric
     */
    public static XYChart errorBars(Table t, String x, String y, String error, String series) {
        NumericColumn<?> xs = numeric(t, x), ys = numeric(t, y), errors = numeric(t, error);
        XYChart chart = xyChart(y + " vs " + x, x, y);
        for (Map.Entry<String, List<Integer>> group : rowsBySeries(t, series, y).entrySet()) {
            List<Integer> rows = group.getValue();
            XYSeries s = chart.addSeries(group.getKey(), values(xs, rows), values(ys, rows), values(errors, rows));
            s.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
        }
        return withLegendIfSeveral(chart);
    }

    /**
     * One line per numeric {@code ys} column against {@code x}, each named by its column. Named
     * {@code lines} rather than {@code line} so that {@code line(t, x, y, series)} and a call with
     * two y columns cannot be confused by overload resolution.
     *
     * @throws IllegalArgumentException if no y column is given, a column is missing or not numeric
     */
    public static XYChart lines(Table t, String x, String... ys) {
        if (ys.length == 0) {
            throw new IllegalArgumentException("lines needs at least one y column; the table's columns are "
                    + t.columnNames());
        }
        double[] xs = numeric(t, x).asDoubleArray();
        XYChart chart = xyChart(String.join(", ", ys) + " vs " + x, x, ys.length == 1 ? ys[0] : "");
        for (String y : ys) {
            add(chart, y, xs, numeric(t, y).asDoubleArray(), XYSeriesRenderStyle.Line);
        }
        return withLegendIfSeveral(chart);
    }

    /**
     * A point cloud of {@code y} against {@code x}, one colour per distinct value of
     * {@code series} (or a single series named {@code y} when {@code series} is null).
     *
     * @throws IllegalArgumentException if a column is missing or {@code x}/{@code y} is not numeric
     */
    public static XYChart scatter(Table t, String x, String y, String series) {
        return xy(t, x, y, series, XYSeriesRenderStyle.Scatter);
    }

    /**
     * A point cloud of 2-D points, e.g. a toy data set or diffusion samples.
     *
     * @param name the series name, also the chart title
     * @param points shape [n, 2]: column 0 is x, column 1 is y
     * @throws IllegalArgumentException if {@code points} is not [n, 2]
     */
    public static XYChart scatter(String name, INDArray points) {
        return addScatter(xyChart(name, "x", "y"), name, points);
    }

    /**
     * A square panel of 2-D samples, {@code side} pixels wide, both axes on [-limit, limit], small markers
     * and no legend: a few of them side by side compare samplers at a glance.
     *
     * @throws IllegalArgumentException if {@code points} is not [n, 2], {@code side} is below 100 or {@code limit} is not positive
     */
    public static XYChart panel(String title, INDArray points, int side, double limit) {
        if (side < 100) {
            throw new IllegalArgumentException("side: expected at least 100 pixels, got " + side);
        }
        if (!(limit > 0)) {
            throw new IllegalArgumentException("limit: expected a positive value, got " + limit);
        }
        XYChart chart = new XYChartBuilder().width(side).height(side).title(title).xAxisTitle("x").yAxisTitle("y").build();
        style(chart.getStyler());
        chart.getStyler().setMarkerSize(2);
        chart.getStyler().setXAxisMin(-limit);
        chart.getStyler().setXAxisMax(limit);
        chart.getStyler().setYAxisMin(-limit);
        chart.getStyler().setYAxisMax(limit);
        addScatter(chart, title, points);
        chart.getStyler().setLegendVisible(false);
        return chart;
    }

    /** As {@link #scatter(String, INDArray)}, for points given as {@code float[n][2]}. */
    public static XYChart scatter(String name, float[][] points) {
        return addScatter(xyChart(name, "x", "y"), name, points);
    }

    /**
     * Adds a point cloud to an existing chart, e.g. samples over the training data.
     *
     * @param points shape [n, 2]: column 0 is x, column 1 is y
     * @return {@code chart}, with a legend once it has two series
     * @throws IllegalArgumentException if {@code points} is not [n, 2]
     */
    public static XYChart addScatter(XYChart chart, String name, INDArray points) {
        if (points.rank() != 2 || points.size(1) != 2) {
            throw new IllegalArgumentException("points for '" + name + "' must have shape [n, 2], got "
                    + Arrays.toString(points.shape()));
        }
        return addScatter(chart, name, points.toFloatMatrix());
    }

    /** As {@link #addScatter(XYChart, String, INDArray)}, for points given as {@code float[n][2]}. */
    public static XYChart addScatter(XYChart chart, String name, float[][] points) {
        double[] xs = new double[points.length];
        double[] ys = new double[points.length];
        for (int i = 0; i < points.length; i++) {
            if (points[i].length != 2) {
                throw new IllegalArgumentException("points for '" + name + "' must have shape [n, 2], but row "
                        + i + " has " + points[i].length + " values");
            }
            xs[i] = points[i][0];
            ys[i] = points[i][1];
        }
        add(chart, name, xs, ys, XYSeriesRenderStyle.Scatter);
        return withLegendIfSeveral(chart);
    }

    /**
     * One bar per row: the bar's label from {@code category} (any type), its height from
     * {@code value}. Labels are rotated when there are more than eight bars.
     *
     * @throws IllegalArgumentException if a column is missing or {@code value} is not numeric
     */
    public static CategoryChart bar(Table t, String category, String value) {
        Column<?> categories = column(t, category);
        NumericColumn<?> values = numeric(t, value);
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title(value + " by " + category).xAxisTitle(category).yAxisTitle(value).build();
        style(chart.getStyler());
        List<String> labels = new ArrayList<>();
        List<Double> heights = new ArrayList<>();
        for (int r = 0; r < t.rowCount(); r++) {
            labels.add(categories.getString(r));
            heights.add(values.getDouble(r));
        }
        chart.addSeries(value, labels, heights);
        chart.getStyler().setLegendVisible(false);
        if (labels.size() > 8) {
            chart.getStyler().setXAxisLabelRotation(45);
        }
        return chart;
    }

    /** Makes the x axis logarithmic (all x values must then be positive); returns {@code chart}. */
    public static XYChart logX(XYChart chart) {
        chart.getStyler().setXAxisLogarithmic(true);
        return chart;
    }

    /** Makes the y axis logarithmic (all y values must then be positive); returns {@code chart}. */
    public static XYChart logY(XYChart chart) {
        chart.getStyler().setYAxisLogarithmic(true);
        return chart;
    }

    private static XYChart xy(Table t, String x, String y, String series, XYSeriesRenderStyle render) {
        NumericColumn<?> xs = numeric(t, x);
        NumericColumn<?> ys = numeric(t, y);
        XYChart chart = xyChart(y + " vs " + x, x, y);
        for (Map.Entry<String, List<Integer>> group : rowsBySeries(t, series, y).entrySet()) {
            List<Integer> rows = group.getValue();
            add(chart, group.getKey(), values(xs, rows), values(ys, rows), render);
        }
        return withLegendIfSeveral(chart);
    }

    /** Row indices grouped by the series column's value, in order of first appearance. */
    private static Map<String, List<Integer>> rowsBySeries(Table t, String series, String singleName) {
        Column<?> column = series == null ? null : column(t, series);
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int r = 0; r < t.rowCount(); r++) {
            String key = column == null ? singleName : column.getString(r);
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        return groups;
    }

    private static double[] values(NumericColumn<?> column, List<Integer> rows) {
        return rows.stream().mapToDouble(column::getDouble).toArray();
    }

    private static void add(XYChart chart, String name, double[] xs, double[] ys, XYSeriesRenderStyle render) {
        XYSeries s = chart.addSeries(name, xs, ys);
        s.setXYSeriesRenderStyle(render);
        if (render == XYSeriesRenderStyle.Line && xs.length > MAX_POINTS_WITH_MARKERS) {
            s.setMarker(SeriesMarkers.NONE);
        }
    }

    private static XYChart xyChart(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setMarkerSize(5);
        return chart;
    }

    private static void style(AxesChartStyler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    }

    private static XYChart withLegendIfSeveral(XYChart chart) {
        chart.getStyler().setLegendVisible(chart.getSeriesMap().size() > 1);
        return chart;
    }

    private static Column<?> column(Table t, String name) {
        Objects.requireNonNull(t, "table");
        if (name == null || !t.containsColumn(name)) {
            throw new IllegalArgumentException("no column '" + name + "' in table '" + t.name()
                    + "'; its columns are " + t.columnNames());
        }
        return t.column(name);
    }

    private static NumericColumn<?> numeric(Table t, String name) {
        Column<?> column = column(t, name);
        if (!(column instanceof NumericColumn<?> numeric)) {
            throw new IllegalArgumentException("column '" + name + "' of table '" + t.name() + "' is "
                    + column.type().name() + ", but a plot axis needs a numeric column (" + NUMERIC_TYPES + ")");
        }
        return numeric;
    }
}
