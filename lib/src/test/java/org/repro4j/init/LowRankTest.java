package org.repro4j.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

class LowRankTest {

    private static INDArray gaussian(long rows, long columns) {
        Nd4j.getRandom().setSeed(9);
        return Nd4j.randn(DataType.DOUBLE, rows, columns);
    }

    /** Numerical rank: singular values above 1e-9 of the largest, from the eigenvalues of Wᵀ W. */
    private static int rankOf(INDArray w) {
        INDArray gram = w.transpose().mmul(w);
        INDArray eigenvalues = org.nd4j.linalg.eigen.Eigen.symmetricGeneralizedEigenvalues(gram.dup(), true);
        double largest = eigenvalues.amaxNumber().doubleValue();
        return (int) Transforms.abs(eigenvalues).gt(largest * 1e-9).castTo(DataType.INT).sumNumber().longValue();
    }

    @Test
    void hasTheRankAskedAndTheSameNorm() {
        INDArray w = gaussian(12, 8);
        double norm = w.norm2Number().doubleValue();
        assertEquals(8, rankOf(w));
        for (int rank : new int[] {1, 3, 7}) {
            INDArray low = LowRank.apply(w.dup(), rank, 5);
            assertEquals(rank, rankOf(low), "rank " + rank);
            assertEquals(norm, low.norm2Number().doubleValue(), 1e-9 * norm, "norm at rank " + rank);
        }
    }

    @Test
    void sameSeedSameMatrix() {
        assertEquals(LowRank.apply(gaussian(6, 5), 2, 1), LowRank.apply(gaussian(6, 5), 2, 1));
        assertNotEquals(LowRank.apply(gaussian(6, 5), 2, 1), LowRank.apply(gaussian(6, 5), 2, 2));
    }

    @Test
    void rejectsFullRankAndZero() {
        var e = assertThrows(IllegalArgumentException.class, () -> LowRank.apply(gaussian(6, 5), 5, 1));
        assertEquals("rank: expected 1 to 4 for a 6 x 5 matrix, got 5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LowRank.apply(Nd4j.zeros(6, 5), 2, 1));
        assertEquals("weights: expected a non-zero matrix (its norm is kept), got all zeros", e.getMessage());
    }
}
