package org.repro4j.analysis;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Gram matrices of a set of examples and the centered kernel alignment between two of them, the
 * measure of how much a network's features "align with the task" in the rich versus lazy learning
 * literature (e.g. Baratin et al., "Implicit Regularization via Neural Feature Alignment", AISTATS
 * 2021; Kornblith et al., "Similarity of Neural Network Representations Revisited", ICML 2019).
 * Everything is computed in double precision.
 */
public final class Kernels {

    private Kernels() {
    }

    /** The linear kernel (Gram matrix) F Fᵀ of the rows of {@code features} [n, d]: entry (i, j) is the dot product of examples i and j. */
    public static INDArray linear(INDArray features) {
        if (features.rank() != 2) {
            throw new IllegalArgumentException("features: expected a matrix [examples, features], got shape "
                    + Arrays.toString(features.shape()));
        }
        INDArray f = features.castTo(DataType.DOUBLE);
        return f.mmul(f.transpose());
    }

    /**
     * The label kernel Y Yᵀ of one-hot labels: 1 where two examples share a class, else 0.
     *
     * @param labels  the class of each example, in [0, classes)
     * @param classes the number of classes, at least 2
     */
    public static INDArray labels(int[] labels, int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException("classes: expected at least 2, got " + classes);
        }
        INDArray y = Nd4j.zeros(DataType.DOUBLE, labels.length, classes);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("labels[" + i + "]: expected a class in [0, " + classes + "), got " + labels[i]);
            }
            y.putScalar(i, labels[i], 1);
        }
        return y.mmul(y.transpose());
    }

    /** H K H with H = I - 11ᵀ/n: the kernel of the features after subtracting their mean over the examples. */
    public static INDArray center(INDArray kernel) {
        square(kernel, "kernel");
        INDArray k = kernel.castTo(DataType.DOUBLE);
        INDArray rowMeans = k.mean(1).reshape(-1, 1), columnMeans = k.mean(0).reshape(1, -1);
        return k.sub(rowMeans).subi(columnMeans).addi(k.meanNumber().doubleValue());
    }

    /**
     * Centered kernel alignment (Cortes, Mohri and Rostamizadeh, "Algorithms for Learning Kernels
     * Based on Centered Alignment", JMLR 2012, definition 4; the linear CKA of Kornblith et al. 2019
     * when both are linear kernels): ⟨Kc, Lc⟩_F / (‖Kc‖_F ‖Lc‖_F) with Kc, Lc the {@linkplain
     * #center centered} kernels. 1 for a kernel and any positive multiple of it, 0 for kernels
     * whose centered versions are orthogonal; invariant to the kernels' scale.
     *
     * @throws IllegalArgumentException if the kernels are not square of the same size, or one is constant after centering
     */
    public static double alignment(INDArray k, INDArray l) {
        square(k, "k");
        square(l, "l");
        if (k.size(0) != l.size(0)) {
            throw new IllegalArgumentException("k, l: expected kernels of the same examples, got " + k.size(0) + " and "
                    + l.size(0) + " examples");
        }
        INDArray kc = center(k), lc = center(l);
        double kNorm = kc.norm2Number().doubleValue(), lNorm = lc.norm2Number().doubleValue();
        if (kNorm == 0 || lNorm == 0) {
            throw new IllegalArgumentException((kNorm == 0 ? "k" : "l") + ": the centered kernel is zero (every example alike), "
                    + "alignment undefined");
        }
        return kc.mul(lc).sumNumber().doubleValue() / (kNorm * lNorm);
    }

    private static void square(INDArray kernel, String name) {
        if (kernel.rank() != 2 || kernel.size(0) != kernel.size(1)) {
            throw new IllegalArgumentException(name + ": expected a square kernel matrix [n, n], got shape "
                    + Arrays.toString(kernel.shape()));
        }
    }
}
