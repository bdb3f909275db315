package org.repro4j.train;

import java.util.List;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** Confusion matrices as tables: one row per true class, one column per predicted class. */
public final class ConfusionMatrix {

    private ConfusionMatrix() {
    }

    /**
     * Counts how often each true class was predicted as each class.
     *
     * @param actual     true class of each example, in [0, classNames.size())
     * @param predicted  predicted class of each example, same length
     * @param classNames the name of each class, used for the row labels (column {@code actual}) and
     *                   as the names of the count columns
     */
    public static Table of(int[] actual, int[] predicted, List<String> classNames) {
        if (actual.length != predicted.length) {
            throw new IllegalArgumentException("predicted: expected " + actual.length
                    + " predictions (one per label), got " + predicted.length);
        }
        int k = classNames.size();
        int[][] counts = new int[k][k];
        for (int i = 0; i < actual.length; i++) {
            counts[check("actual", i, actual[i], k)][check("predicted", i, predicted[i], k)]++;
        }
        Table table = Table.create("confusion matrix", StringColumn.create("actual", classNames));
        for (int p = 0; p < k; p++) {
            int[] column = new int[k];
            for (int a = 0; a < k; a++) {
                column[a] = counts[a][p];
            }
            table.addColumns(IntColumn.create(classNames.get(p), column));
        }
        return table;
    }

    private static int check(String name, int index, int value, int classes) {
        if (value < 0 || value >= classes) {
            throw new IllegalArgumentException(name + "[" + index + "]: expected a class in [0, " + classes + "), got " + value);
        }
        return value;
    }
}
