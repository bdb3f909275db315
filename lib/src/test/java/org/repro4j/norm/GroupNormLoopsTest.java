package org.repro4j.norm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.Fixtures;
import org.repro4j.HostLoops;

class GroupNormLoopsTest {

    /** 8 examples x 2 groups of 2 channels of 64 x 64: 16 sets of 8,192 values, 8 sets to a thread at least. */
    private static final int N = 8, C = 4, GROUPS = 2, POSITIONS = 64 * 64;

    @Test
    void twoThreadsGiveOneThreadsResults() {
        HostLoops.using(2, () -> assertEquals(2, HostLoops.ranges(N * GROUPS, HostLoops.grain(C / GROUPS * POSITIONS)), "the sets split in two"));
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.randn(DataType.FLOAT, N, C, 64, 64).muli(3).addi(1);
        INDArray dy = Nd4j.randn(DataType.FLOAT, N, C, 64, 64);
        double[] gamma = {0.5, 1.5, -1, 2}, beta = {0.1, -0.2, 0.3, 0};
        INDArray[] y = new INDArray[2], dx = new INDArray[2];
        double[][] dGamma = new double[2][C], dBeta = new double[2][C];
        var loops = new GroupNormLoops(N, C, GROUPS, POSITIONS, 1e-5);
        for (int threads = 1; threads <= 2; threads++) {
            int t = threads - 1;
            y[t] = x.ulike();
            dx[t] = x.ulike();
            HostLoops.using(threads, () -> {
                var statistics = loops.forward(x, gamma, beta, y[t]);
                loops.backward(x, dy, gamma, dGamma[t], dBeta[t], dx[t], statistics);
            });
        }
        assertArrayEquals(Fixtures.bits(y[0]), Fixtures.bits(y[1]), "y, to the bit");
        assertArrayEquals(Fixtures.bits(dx[0]), Fixtures.bits(dx[1]), "dL/dx, to the bit");
        for (int c = 0; c < C; c++) {
            // the same per-set parts, added in another order
            assertEquals(dGamma[0][c], dGamma[1][c], 1e-12 * Math.abs(dGamma[0][c]), "dL/dgamma " + c);
            assertEquals(dBeta[0][c], dBeta[1][c], 1e-12 * Math.abs(dBeta[0][c]), "dL/dbeta " + c);
        }
    }
}
