package org.repro4j.diffusion;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The input checks and the weighted squared-error step that every {@link NoiseNet} shares. */
final class Rows {

    private Rows() {
    }

    /** Checks that target is [n, dim] for the n rows of x and that weights, if any, hold one weight a row. */
    static void checkTarget(INDArray x, INDArray target, INDArray weights, long dim) {
        if (target.rank() != 2 || target.rows() != x.rows() || target.columns() != dim) {
            throw new IllegalArgumentException("target: expected shape [" + x.rows() + ", " + dim + "], got "
                    + Arrays.toString(target.shape()));
        }
        if (weights != null && weights.length() != x.rows()) {
            throw new IllegalArgumentException("weights: expected one weight a row, " + x.rows() + ", got " + weights.length());
        }
    }

    /** The target of a weighted step and the weighted loss before it (see {@link NoiseNet#fit}). */
    record Moved(INDArray target, double loss) {
    }

    /**
     * For the output {@code out} [n, d] at the current parameters: the moved target out + w_i (target_i - out_i),
     * whose plain squared-error gradient 2 (out - moved) / d is the weighted one 2 w_i (out - target_i) / d, and
     * the loss mean_i w_i |out_i - target_i|^2 / d.
     */
    static Moved moved(INDArray out, INDArray target, INDArray weights, long dim) {
        INDArray error = target.sub(out);
        INDArray w = weights.castTo(out.dataType()).reshape(out.rows(), 1);
        double loss = error.mul(error).sum(1).reshape(out.rows(), 1).muli(w).meanNumber().doubleValue() / dim;
        return new Moved(out.add(error.muliColumnVector(w)), loss);
    }

    /** Checks that x is [n, dim] and c holds one condition a row. */
    static void checkInput(INDArray x, INDArray c, long dim) {
        checkInput(x, dim);
        if (c.length() != x.rows()) {
            throw new IllegalArgumentException("c: expected one condition a row, " + x.rows() + ", got " + c.length());
        }
    }

    /** Checks that x is [n, dim]. */
    static void checkInput(INDArray x, long dim) {
        if (x.rank() != 2 || x.columns() != dim) {
            throw new IllegalArgumentException("x: expected shape [n, " + dim + "], got " + Arrays.toString(x.shape()));
        }
    }
}
