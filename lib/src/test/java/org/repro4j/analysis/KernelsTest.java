package org.repro4j.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class KernelsTest {

    private static INDArray matrix(double[][] rows) {
        return Nd4j.create(rows).castTo(DataType.DOUBLE);
    }

    @Test
    void linearKernelIsTheGramMatrix() {
        INDArray k = Kernels.linear(matrix(new double[][] {{1, 0}, {0, 1}, {1, 1}}));
        assertEquals(matrix(new double[][] {{1, 0, 1}, {0, 1, 1}, {1, 1, 2}}), k);
    }

    @Test
    void labelKernelMarksExamplesOfTheSameClass() {
        assertEquals(matrix(new double[][] {{1, 1, 0}, {1, 1, 0}, {0, 0, 1}}), Kernels.labels(new int[] {0, 0, 1}, 2));
    }

    @Test
    void centeringSubtractsRowAndColumnMeans() {
        // labels (0, 0, 1): row and column means 2/3, 2/3, 1/3; grand mean 5/9
        INDArray centered = Kernels.center(Kernels.labels(new int[] {0, 0, 1}, 2));
        INDArray expected = matrix(new double[][] {{2, 2, -4}, {2, 2, -4}, {-4, -4, 8}}).divi(9);
        assertEquals(0, expected.sub(centered).amaxNumber().doubleValue(), 1e-15);
    }

    @Test
    void aKernelIsPerfectlyAlignedWithItselfAndItsMultiples() {
        INDArray k = Kernels.linear(matrix(new double[][] {{1, 2}, {0, 1}, {3, -1}, {2, 2}}));
        assertEquals(1, Kernels.alignment(k, k), 1e-15);
        assertEquals(1, Kernels.alignment(k, k.mul(7)), 1e-15);
    }

    @Test
    void kernelsOfOrthogonalCenteredFeaturesHaveAlignmentZero() {
        // f = (1, -1, 0, 0) and g = (0, 0, 1, -1) have mean 0 and f . g = 0, so <ffᵀ, ggᵀ> = (f . g)^2 = 0
        INDArray k = Kernels.linear(matrix(new double[][] {{1}, {-1}, {0}, {0}}));
        INDArray l = Kernels.linear(matrix(new double[][] {{0}, {0}, {1}, {-1}}));
        assertEquals(0, Kernels.alignment(k, l), 1e-15);
    }

    @Test
    void handWorkedThreeByThreeExample() {
        // K = [[2,1,0],[1,2,1],[0,1,2]] centres to [[10,-2,-8],[-2,4,-2],[-8,-2,10]] / 9; the label kernel of
        // (0, 0, 1) to [[2,2,-4],[2,2,-4],[-4,-4,8]] / 9. <Kc, Lc> = 180/81 = 20/9, |Kc|^2 = 40/9, |Lc|^2 = 16/9,
        // so the alignment is (20/9) / sqrt(640/81) = 20 / (8 sqrt 10) = sqrt(10) / 4.
        INDArray k = matrix(new double[][] {{2, 1, 0}, {1, 2, 1}, {0, 1, 2}});
        assertEquals(Math.sqrt(10) / 4, Kernels.alignment(k, Kernels.labels(new int[] {0, 0, 1}, 2)), 1e-15);
    }

    @Test
    void alignmentIsSymmetric() {
        INDArray k = Kernels.linear(matrix(new double[][] {{1, 2}, {0, 1}, {3, -1}, {2, 2}}));
        INDArray l = Kernels.labels(new int[] {0, 1, 1, 0}, 2);
        assertEquals(Kernels.alignment(k, l), Kernels.alignment(l, k), 1e-15);
    }

    @Test
    void rejectsKernelsOfDifferentExamples() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Kernels.alignment(Kernels.labels(new int[] {0, 1}, 2), Kernels.labels(new int[] {0, 1, 1}, 2)));
        assertEquals("k, l: expected kernels of the same examples, got 2 and 3 examples", e.getMessage());
    }

    @Test
    void rejectsAKernelThatIsConstantAfterCentering() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Kernels.alignment(Kernels.labels(new int[] {1, 1, 1}, 2), Kernels.labels(new int[] {0, 1, 1}, 2)));
        assertEquals("k: the centered kernel is zero (every example alike), alignment undefined", e.getMessage());
    }

    @Test
    void rejectsANonSquareKernelAndABadLabel() {
        var e = assertThrows(IllegalArgumentException.class, () -> Kernels.center(Nd4j.zeros(DataType.DOUBLE, 2, 3)));
        assertEquals("kernel: expected a square kernel matrix [n, n], got shape [2, 3]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Kernels.labels(new int[] {0, 2}, 2));
        assertEquals("labels[1]: expected a class in [0, 2), got 2", e.getMessage());
    }
}
