package org.repro4j.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.models.Models;

class FiltersTest {

    /**
     * Conv 1->3 (3x3), conv 3->3, 2x2 max-pool, dense 12->4, output 4->2 on 4x4 images: masks
     * 0_W [3,1,3,3], 1_W [3,3,3,3], 3_W [12,4] (3 channels x 2x2 pixels), 4_W [4,2].
     */
    private static MultiLayerNetwork net() {
        return Models.conv(1, 4, 4, List.of(3), List.of(4), 2, new Adam(1e-3), 5);
    }

    /** Sets every weight of filter j of the conv layer {@code key} to {@code values[j]}. */
    private static void setFilters(MultiLayerNetwork net, String key, double... values) {
        INDArray w = Nd4j.create(DataType.FLOAT, net.getParam(key).shape());
        for (int j = 0; j < values.length; j++) {
            w.get(NDArrayIndex.point(j), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).assign(values[j]);
        }
        net.setParam(key, w);
    }

    private static INDArray ones(long... shape) {
        return Nd4j.ones(DataType.FLOAT, shape);
    }

    @Test
    void removesTheConvFilterOfSmallestL1NormAndTheNextLayersKernelsThatReadIt() {
        var net = net();
        setFilters(net, "0_W", 0.1, -0.3, 0.2);  // L1 norms 0.9, 2.7, 1.8
        Masks masks = Filters.l1(net, Masks.dense(net), Map.of("0_W", 2 / 3.0));

        INDArray first = ones(3, 1, 3, 3);
        first.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).assign(0);
        assertEquals(first, masks.get("0_W"));
        INDArray second = ones(3, 3, 3, 3);
        second.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.all()).assign(0);
        assertEquals(second, masks.get("1_W"));
        assertEquals(ones(12, 4), masks.get("3_W"));
        assertEquals(ones(4, 2), masks.get("4_W"));
        assertEquals(9 + 27, masks.size() - masks.remaining());
    }

    @Test
    void aConvFilterBeforeDenseLayersRemovesItsFlattenedPixelRows() {
        var net = net();
        setFilters(net, "1_W", 0.5, 0.2, -0.4);  // keeps filter 0 only
        Masks masks = Filters.l1(net, Masks.dense(net), Map.of("1_W", 1 / 3.0));

        assertEquals(3, Filters.count(masks, "1_W"));
        assertEquals(4, Filters.count(masks, "3_W"));
        assertEquals(27, masks.remaining("1_W"));
        INDArray dense = Nd4j.zeros(DataType.FLOAT, 12, 4);
        dense.get(NDArrayIndex.interval(0, 4), NDArrayIndex.all()).assign(1);  // channel 0 = rows 0..3
        assertEquals(dense, masks.get("3_W"));
    }

    @Test
    void aDenseUnitIsAColumnAndTheNextLayerLosesItsRow() {
        var net = net();
        net.getParam("3_W").assign(Nd4j.createFromArray(new float[][] {
                {1, -4, 0, 2}, {1, 0, 0, 2}, {0, 0, 1, 2}, {0, 0, 0, 2},
                {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0},
                {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}));  // column norms 2, 4, 1, 8
        Masks masks = Filters.l1(net, Masks.dense(net), Map.of("3_W", 0.5));

        INDArray dense = ones(12, 4);
        dense.getColumn(0).assign(0);
        dense.getColumn(2).assign(0);
        assertEquals(dense, masks.get("3_W"));
        assertEquals(Nd4j.createFromArray(new float[][] {{0, 0}, {1, 1}, {0, 0}, {1, 1}}), masks.get("4_W"));
    }

    @Test
    void aRemovedFilterNoLongerReachesTheOutputWhateverItsBias() {
        var net = net();
        setFilters(net, "0_W", 0.1, -0.3, 0.2);
        Masks masks = Filters.l1(net, Masks.dense(net), Map.of("0_W", 2 / 3.0));
        masks.applyTo(net);
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 16);
        INDArray before = net.output(x);
        net.getParam("0_b").putScalar(0, 3.0);  // relu(3) = 3 everywhere in the removed feature map
        assertEquals(before, net.output(x));
        net.getParam("0_b").putScalar(1, 3.0);  // a kept filter's bias does matter
        assertTrue(before.sub(net.output(x)).norm1Number().doubleValue() > 1e-6);
    }

    @Test
    void tiesKeepTheLowerIndexAndCutFiltersStayCut() {
        var net = net();
        setFilters(net, "0_W", 0.2, 0.2, 0.2);
        Masks once = Filters.l1(net, Masks.dense(net), Map.of("0_W", 2 / 3.0));
        assertEquals(0, once.get("0_W").get(NDArrayIndex.point(2), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).sumNumber().intValue());
        assertEquals(18, once.remaining("0_W"));

        setFilters(net, "0_W", 0.1, 0.2, 5.0);  // filter 2 is cut already: its large weights do not count
        Masks twice = Filters.l1(net, once, Map.of("0_W", 1 / 3.0));
        assertEquals(9, twice.get("0_W").get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).sumNumber().intValue());
        assertEquals(9, twice.remaining("0_W"));
        assertTrue(twice.within(once));
    }

    @Test
    void badRequestsAreRefusedWithTheLayerAndTheNumbers() {
        var net = net();
        Masks dense = Masks.dense(net);
        var output = assertThrows(IllegalArgumentException.class, () -> Filters.l1(net, dense, Map.of("4_W", 0.5)));
        assertEquals("keep: '4_W' is the output layer; its units are the classes and cannot be pruned", output.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class, () -> Filters.l1(net, dense, Map.of("2_W", 0.5)));
        assertEquals("keep: unknown layer '2_W'; known: [0_W, 1_W, 3_W, 4_W]", unknown.getMessage());
        var none = assertThrows(IllegalArgumentException.class, () -> Filters.l1(net, dense, Map.of("0_W", 0.1)));
        assertEquals("keep['0_W']: expected a fraction keeping between 1 and the 3 live filters of 3, got 0.1 (0 filters)", none.getMessage());
        Masks pruned = Filters.l1(net, dense, Map.of("0_W", 2 / 3.0));
        var revive = assertThrows(IllegalArgumentException.class, () -> Filters.l1(net, pruned, Map.of("0_W", 1.0)));
        assertEquals("keep['0_W']: expected a fraction keeping between 1 and the 2 live filters of 3, got 1.0 (3 filters)", revive.getMessage());
    }
}
