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

class ChannelAddVertexTest {

    /**
     * libnd4j's broadcast add and sum over H, W to the bit, for 3 x 5 planes (a part group of the eight planes summed
     * side by side) and 16 x 32 planes of 14 x 14; a double embedding is rounded to float as {@code castTo} does.
     */
    @Test
    void addAndPlaneSumsAreLibnd4jsToTheBit() {
        Nd4j.getRandom().setSeed(4);
        for (long[] shape : new long[][] {{3, 5, 4, 6}, {16, 32, 14, 14}}) {
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
