package org.repro4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.Fixtures;
import org.repro4j.data.Dataset;
import org.repro4j.models.Models;

class NetsTest {

    private static Object cache(Layer layer, String name) throws ReflectiveOperationException {
        Field field = BatchNormalization.class.getDeclaredField(name);
        field.setAccessible(true);
        return field.get(layer);
    }

    private static List<Layer> batchNorms(org.deeplearning4j.nn.api.Model net) {
        return Arrays.stream(Nets.layers(net)).filter(l -> l instanceof BatchNormalization).toList();
    }

    @Test
    void anInferencePassLeavesBatchNormCachesThatEvaluationDrops() throws ReflectiveOperationException {
        var net = Models.mlp(4, List.of(8, 8), 2, new Adam(0.01), 1, Models.HiddenNorm.BATCH);
        Dataset data = Fixtures.blobs(40, 1);
        Trainer.fit(net, data, data, new Trainer.Options(1, 8, 1), new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        assertEquals(2, batchNorms(net).size());

        Nets.output(net, data.features());
        for (Layer bn : batchNorms(net)) {  // DL4J keeps them after inference: the reason for forgetLastPass
            assertNotNull(cache(bn, "xHat"));
            assertNotNull(cache(bn, "xMu"));
        }
        var first = Evaluation.of(net, data);
        for (Layer bn : batchNorms(net)) {
            assertNull(cache(bn, "xHat"));
            assertNull(cache(bn, "xMu"));
            assertNull(cache(bn, "std"));
        }
        var second = Evaluation.of(net, data);
        assertEquals(first.loss(), second.loss(), 0.0);
        assertEquals(first.accuracy(), second.accuracy(), 0.0);
    }

    /**
     * DL4J's {@code MultiLayerNetwork.clear()} also drops the solver, and with it the optimizer's state (Adam's
     * moments): a net evaluated between epochs would then restart Adam every epoch. forgetLastPass must not.
     */
    @Test
    void forgettingTheLastPassKeepsTheOptimizerState() {
        Dataset data = Fixtures.blobs(40, 1);
        var batch = new DataSet(data.features(), data.oneHotLabels());
        MultiLayerNetwork kept = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1, Models.HiddenNorm.NONE);
        MultiLayerNetwork forgotten = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1, Models.HiddenNorm.NONE);
        kept.fit(batch);
        forgotten.fit(batch);
        float[] state = kept.getUpdater().getStateViewArray().toFloatVector();
        Nets.forgetLastPass(forgotten);
        assertArrayEquals(state, forgotten.getUpdater().getStateViewArray().toFloatVector());
        kept.fit(batch);
        forgotten.fit(batch);
        assertArrayEquals(kept.params().toFloatVector(), forgotten.params().toFloatVector());
    }

    private static String configuration(org.deeplearning4j.nn.api.Model net) {
        return net instanceof MultiLayerNetwork m ? m.getLayerWiseConfigurations().toJson() : ((ComputationGraph) net).getConfiguration().toJson();
    }

    @Test
    void aCopyHoldsTheParametersAndOptimizerStateInItsTypeAndIsIndependent() {
        Dataset data = Fixtures.blobs(40, 1);
        MultiLayerNetwork mlp = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1, Models.HiddenNorm.NONE);
        mlp.fit(new DataSet(data.features(), data.oneHotLabels()));
        var resnet = Models.resnet(1, 4, 4, 1, List.of(2), 2, new Adam(0.01), 1);
        resnet.fit(new DataSet(Nd4j.rand(DataType.FLOAT, 3, 16), Nd4j.eye(3).getColumns(0, 1)));
        for (org.deeplearning4j.nn.api.Model net : List.of(mlp, resnet)) {
            double[] params = net.params().toDoubleVector();
            for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE)) {
                var copy = Nets.copy(net, type);
                assertNotSame(net, copy);
                assertEquals(type, copy.params().dataType());
                assertArrayEquals(net.params().castTo(type).toDoubleVector(), copy.params().toDoubleVector());
                assertArrayEquals(Fixtures.updaterState(net).castTo(type).toDoubleVector(), Fixtures.updaterState(copy).toDoubleVector());
                if (type == DataType.DOUBLE) {
                    // as DL4J's own conversion: the same configuration, parameters and updater state
                    var dl4j = net instanceof MultiLayerNetwork m ? m.convertDataType(type) : ((ComputationGraph) net).convertDataType(type);
                    assertEquals(configuration(dl4j), configuration(copy));
                    assertArrayEquals(Fixtures.bits(dl4j.params()), Fixtures.bits(copy.params()));
                    assertArrayEquals(Fixtures.bits(Fixtures.updaterState(dl4j)), Fixtures.bits(Fixtures.updaterState(copy)));
                }
                copy.params().addi(1);
                assertArrayEquals(params, net.params().toDoubleVector(), "the original is unchanged");
            }
        }
    }
}
