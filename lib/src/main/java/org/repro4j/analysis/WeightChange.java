package org.repro4j.analysis;

import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * How far training moved each weight tensor: ‖W_T − W_0‖_F / ‖W_0‖_F, the relative weight change
 * that separates lazy training (it vanishes as the initial scale or the width grows; Chizat,
 * Oyallon and Bach, "On Lazy Training in Differentiable Programming", NeurIPS 2019, Theorem 2.3)
 * from rich, feature-learning training (it stays of order one).
 */
public final class WeightChange {

    private WeightChange() {
    }

    /**
     * One row per weight tensor (parameter keys ending in {@code _W}, in the network's order):
     * {@code param}, {@code initialNorm} ‖W_0‖_F, {@code change} ‖W_T − W_0‖_F and {@code
     * relativeChange}, their ratio. Computed in double precision.
     *
     * @param initial the network before training
     * @param trained the same architecture after training
     * @throws IllegalArgumentException if the two networks' parameters differ in names or shapes, or an initial tensor is zero
     */
    public static Table relative(Model initial, Model trained) {
        var before = initial.paramTable();
        var after = trained.paramTable();
        if (!before.keySet().equals(after.keySet())) {
            throw new IllegalArgumentException("trained: expected the parameters " + before.keySet() + " of initial, got " + after.keySet());
        }
        var table = Table.create("relative weight change", StringColumn.create("param"), DoubleColumn.create("initialNorm"),
                DoubleColumn.create("change"), DoubleColumn.create("relativeChange"));
        before.forEach((key, w0) -> {
            if (!key.endsWith("_W")) {
                return;
            }
            INDArray wT = after.get(key);
            if (!java.util.Arrays.equals(w0.shape(), wT.shape())) {
                throw new IllegalArgumentException(key + ": expected shape " + java.util.Arrays.toString(w0.shape()) + ", got "
                        + java.util.Arrays.toString(wT.shape()));
            }
            INDArray start = w0.castTo(DataType.DOUBLE);
            double norm = start.norm2Number().doubleValue();
            if (norm == 0) {
                throw new IllegalArgumentException(key + ": the initial weights are all zero, relative change undefined");
            }
            double change = wT.castTo(DataType.DOUBLE).sub(start).norm2Number().doubleValue();
            table.stringColumn("param").append(key);
            table.doubleColumn("initialNorm").append(norm);
            table.doubleColumn("change").append(change);
            table.doubleColumn("relativeChange").append(change / norm);
        });
        return table;
    }
}
