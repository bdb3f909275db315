package org.repro4j.init;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Low-rank initial connectivity, the knob of Liu, Baratin, Cornford, Mihalas, Shea-Brown and
 * Lajoie, "How connectivity structure shapes rich and lazy learning in neural circuits" (ICLR
 * 2024), section 3: a weight matrix replaced by one of rank r with the same Frobenius norm, so
 * that only its structure changes, not its scale. The rank-r matrix is the product A B of two
 * Gaussian matrices [n_in, r] and [r, n_out] (of rank r with probability 1), rescaled.
 */
public final class LowRank {

    private LowRank() {
    }

    /**
     * Replaces {@code weights} [n_in, n_out] in place by a random matrix of rank {@code rank} with
     * the same Frobenius norm, drawn by a generator seeded with {@code seed}.
     *
     * @param rank at least 1 and below min(n_in, n_out) (full rank: leave the matrix alone)
     * @return {@code weights}
     * @throws IllegalArgumentException if {@code weights} is not a non-zero matrix or {@code rank} is out of range
     */
    public static INDArray apply(INDArray weights, int rank, long seed) {
        if (weights.rank() != 2) {
            throw new IllegalArgumentException("weights: expected a matrix [n_in, n_out], got shape " + Arrays.toString(weights.shape()));
        }
        long full = Math.min(weights.rows(), weights.columns());
        if (rank < 1 || rank >= full) {
            throw new IllegalArgumentException("rank: expected 1 to " + (full - 1) + " for a " + weights.rows() + " x " + weights.columns()
                    + " matrix, got " + rank);
        }
        double norm = weights.norm2Number().doubleValue();
        if (norm == 0) {
            throw new IllegalArgumentException("weights: expected a non-zero matrix (its norm is kept), got all zeros");
        }
        Random random = Nd4j.getRandomFactory().getNewRandomInstance(seed);
        INDArray a = Nd4j.randn(Nd4j.zeros(DataType.DOUBLE, weights.rows(), rank), random);
        INDArray b = Nd4j.randn(Nd4j.zeros(DataType.DOUBLE, rank, weights.columns()), random);
        INDArray product = a.mmul(b);
        product.muli(norm / product.norm2Number().doubleValue());
        return weights.assign(product.castTo(weights.dataType()));
    }
}
