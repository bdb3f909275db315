package org.repro4j.diffusion;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The input checks and the weighted squared-error mask that every {@link NoiseNet} shares. */
final class Rows {

    private Rows() {
    }

    /**
     * Checks x [n, dim] and c (one a row) and returns the label mask [n, 1] in {@code type} that turns DL4J's
     * MSE, |F - target|^2 / d a row with gradient 2 (F - target) / d, into weight_i |F - target|^2 / 2.
     */
    static INDArray lossMask(INDArray x, INDArray c, INDArray target, INDArray weights, long dim, DataType type) {
        checkInput(x, c, dim);
        if (target.rank() != 2 || target.rows() != x.rows() || target.columns() != dim) {
            throw new IllegalArgumentException("target: expected shape [" + x.rows() + ", " + dim + "], got "
                    + Arrays.toString(target.shape()));
        }
        if (weights != null && weights.length() != x.rows()) {
            throw new IllegalArgumentException("weights: expected one weight a row, " + x.rows() + ", got " + weights.length());
        }
        INDArray mask = weights == null ? Nd4j.ones(DataType.DOUBLE, x.rows(), 1)
                : weights.castTo(DataType.DOUBLE).reshape(x.rows(), 1);
        return mask.muli(dim / 2.0).castTo(type);
    }

    /** Checks that x is [n, dim] and c holds one condition a row. */
    static void checkInput(INDArray x, INDArray c, long dim) {
        if (x.rank() != 2 || x.columns() != dim) {
            throw new IllegalArgumentException("x: expected shape [n, " + dim + "], got " + Arrays.toString(x.shape()));
        }
        if (c.length() != x.rows()) {
            throw new IllegalArgumentException("c: expected one condition a row, " + x.rows() + ", got " + c.length());
        }
    }
}
