package org.repro4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.repro4j.Fixtures;
import org.repro4j.HostLoops;

class ChannelAddVertexTest {

    /**
     * libnd4j's broadcast add and sum over H, W to the bit, for 3 x 5 planes (a part group of the eight planes summed
     * side by side), 16 x 32 planes of 14 x 14 and 16 x 33 of 28 x 28 (on two threads: {@link HostLoops} splits both
     * passes); a double embedding is rounded to float as {@code castTo} does.
     */
    @Test
    void addAndPlaneSumsAreLibnd4jsToTheBit() {
        HostLoops.using(1, () -> addAndPlaneSumsAreLibnd4js(new long[][] {{3, 5, 4, 6}, {16, 32, 14, 14}}));
        HostLoops.using(2, () -> {
            assertEquals(2, HostLoops.ranges(16 * 33, HostLoops.grain(28 * 28)));
            assertEquals(2, HostLoops.ranges((16 * 33 + 7) / 8, HostLoops.grain(8 * 28 * 28)));
            addAndPlaneSumsAreLibnd4js(new long[][] {{16, 33, 28, 28}});
        });
    }

    private static void addAndPlaneSumsAreLibnd4js(long[][] shapes) {
        Nd4j.getRandom().setSeed(4);
        for (long[] shape : shapes) {
            INDArray features = Fixtures.mixedMagnitudes(DataType.FLOAT, shape);
            INDArray embedding = Fixtures.mixedMagnitudes(DataType.FLOAT, shape[0], shape[1]);
            INDArray expected = Broadcast.add(features, embedding, features.ulike(), 0, 1);
            assertArrayEquals(Fixtures.bits(expected), Fixtures.bits(ChannelAddVertex.add(features, embedding, features.ulike())),
                    Arrays.toString(shape));
            INDArray doubles = embedding.castTo(DataType.DOUBLE).muli(1.0000001);
            assertArrayEquals(Fixtures.bits(Broadcast.add(features, doubles.castTo(DataType.FLOAT), features.ulike(), 0, 1)),
                    Fixtures.bits(ChannelAddVertex.add(features, doubles, features.ulike())));
            INDArray sums = ChannelAddVertex.planeSums(features);
            assertEquals(Arrays.toString(new long[] {shape[0], shape[1]}), Arrays.toString(sums.shape()));
            assertArrayEquals(Fixtures.bits(features.sum(2, 3)), Fixtures.bits(sums), Arrays.toString(shape));
        }
    }

    /** An F-order epsilon and a double one take ND4J's ops: the same values. */
    @Test
    void otherLayoutsTakeNd4jsOps() {
        INDArray features = Nd4j.linspace(1, 24, 24, DataType.FLOAT).reshape('c', 2, 3, 2, 2);
        assertArrayEquals(Fixtures.bits(features.sum(2, 3)), Fixtures.bits(ChannelAddVertex.planeSums(features.dup('f'))));
        assertArrayEquals(Fixtures.bits(features.sum(2, 3)),
                Fixtures.bits(ChannelAddVertex.planeSums(features.castTo(DataType.DOUBLE)).castTo(DataType.FLOAT)));
        INDArray embedding = Nd4j.linspace(1, 6, 6, DataType.FLOAT).reshape(2, 3);
        INDArray f = features.dup('f');
        assertArrayEquals(Fixtures.bits(Broadcast.add(features, embedding, features.ulike(), 0, 1)),
                Fixtures.bits(ChannelAddVertex.add(f, embedding, Nd4j.createUninitialized(DataType.FLOAT, f.shape(), 'c'))));
    }
}
