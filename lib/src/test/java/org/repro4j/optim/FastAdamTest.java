package org.repro4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.repro4j.Fixtures;
import org.repro4j.data.Dataset;
import org.repro4j.models.Models;

class FastAdamTest {

    private static final Dataset DATA = Fixtures.blobs(64, 1);

    /** Trains {@code net} for {@code steps} steps on batches of 16 examples, their inputs scaled by 0.01 to 100 in turn. */
    private static void train(Model net, int steps) {
        for (int i = 0; i < steps; i++) {
            int[] rows = java.util.stream.IntStream.range(i % 48, i % 48 + 16).toArray();
            INDArray x = Dataset.gatherRows(DATA.features(), rows).muli(Math.pow(10, (i % 5) - 2));
            ((org.deeplearning4j.nn.api.NeuralNetwork) net).fit(new DataSet(x, Dataset.gatherRows(DATA.oneHotLabels(), rows)));
        }
    }

    private static void assertSameTraining(Function<IUpdater, Model> build, IUpdater nd4j, IUpdater fast, int steps) {
        Model a = build.apply(nd4j), b = build.apply(fast);
        train(a, steps);
        train(b, steps);
        assertArrayEquals(a.params().toFloatVector(), b.params().toFloatVector(), "parameters");
        assertArrayEquals(Fixtures.updaterState(a).toFloatVector(), Fixtures.updaterState(b).toFloatVector(), "m and v");
    }

    @Test
    void trainsToTheSameParametersAndStateAsNd4jsAdamBitForBit() {
        assertSameTraining(u -> Models.mlp(4, List.of(32, 16), 2, u, 3), new Adam(0.01), new FastAdam(0.01), 60);
        // 9,026 parameters: two whole chunks of the Java loop and a part of one
        assertSameTraining(u -> Models.mlp(4, List.of(128, 64), 2, u, 7), new Adam(0.01), new FastAdam(0.01), 20);
        assertSameTraining(u -> Models.mlp(4, List.of(8), 2, u, 4), new Adam(0.003, 0.8, 0.99, 1e-6), new FastAdam(0.003, 0.8, 0.99, 1e-6), 40);
        var schedule = new ExponentialSchedule(ScheduleType.ITERATION, 0.02, 0.97);
        assertSameTraining(u -> Models.mlp(4, List.of(8), 2, u, 5), new Adam(schedule), new FastAdam(schedule), 40);
        // a ResNet: several updater blocks (batch norm's running statistics are not Adam's), views at offsets
        assertSameTraining(u -> Models.resnet(1, 2, 2, 1, List.of(4), 2, u, 6), new Adam(0.01), new FastAdam(0.01), 20);
    }

    @Test
    void theStepRunsInJavaForFloatStateAndInNd4jsOpOtherwise() {
        for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE)) {
            var updater = (org.nd4j.linalg.learning.AdamUpdater) new FastAdam(0.01).instantiate(Nd4j.zeros(type, 1, 10), true);
            INDArray gradient = Nd4j.rand(type, 1, 5);
            assertEquals(type == DataType.FLOAT, FastAdam.inJava(gradient, updater.getM(), updater.getV()), type.toString());
        }
        var state = Nd4j.zeros(DataType.FLOAT, 1, 10);
        var updater = (org.nd4j.linalg.learning.AdamUpdater) new FastAdam(0.01).instantiate(state, true);
        assertEquals(false, FastAdam.inJava(Nd4j.rand(DataType.FLOAT, 5, 3).getColumn(1).reshape(1, 5), updater.getM(), updater.getV()),
                "a strided gradient goes to the op");
    }

    @Test
    void aDoublePrecisionNetGoesThroughNd4jsOpWithTheSameValues() {
        assertSameTraining(u -> (Model) Models.mlp(4, List.of(8), 2, u, 7).convertDataType(DataType.DOUBLE),
                new Adam(0.01), new FastAdam(0.01), 20);
    }

    @Test
    void aSavedNetKeepsFastAdamAndGoesOnWithTheSameState() throws IOException {
        MultiLayerNetwork net = Models.mlp(4, List.of(8), 2, new FastAdam(0.01), 1);
        train(net, 5);
        var bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        var restored = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertInstanceOf(FastAdam.class, restored.getLayer(0).conf().getLayer().getUpdaterByParam("W"));
        assertEquals(net.getLayerWiseConfigurations().toJson(), restored.getLayerWiseConfigurations().toJson());
        train(net, 3);
        train(restored, 3);
        assertArrayEquals(net.params().toFloatVector(), restored.params().toFloatVector());
        FastAdam copy = new FastAdam(0.02, 0.85, 0.995, 1e-7).clone();
        assertEquals(List.of(0.02, 0.85, 0.995, 1e-7), List.of(copy.getLearningRate(), copy.getBeta1(), copy.getBeta2(), copy.getEpsilon()));
    }

    /** Two steps of a fresh updater on {@code gradient}; the first divided by 60 in the step if {@code inStep}, else before it. */
    private static List<long[]> twoStepsDividingFirst(INDArray gradient, boolean inStep) {
        var updater = (org.nd4j.linalg.learning.AdamUpdater) new FastAdam(0.01).instantiate(Nd4j.zeros(gradient.dataType(), 1, 2 * gradient.length()), true);
        INDArray first = gradient.dup();
        if (inStep) {
            FastAdam.divideNextGradientBy(updater, 60);
        } else {
            first.divi(60);
        }
        updater.applyUpdater(first, 0, 0);
        INDArray second = gradient.dup();
        updater.applyUpdater(second, 1, 0);
        return List.of(Fixtures.bits(first), Fixtures.bits(second), Fixtures.bits(updater.getM()), Fixtures.bits(updater.getV()));
    }

    @Test
    void aGradientDividedInTheStepGetsTheBitsOfOneDividedBeforeItOnce() {
        for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE)) {
            // 9,000 values: two whole chunks of the Java loop and a part of one; the double ones go to ND4J's op
            INDArray gradient = Fixtures.mixedMagnitudes(type, 1, 9000);
            List<long[]> before = twoStepsDividingFirst(gradient, false), inStep = twoStepsDividingFirst(gradient, true);
            for (int i = 0; i < before.size(); i++) {
                assertArrayEquals(before.get(i), inStep.get(i), type + ": " + List.of("first update", "second update", "m", "v").get(i));
            }
        }
        var updater = new FastAdam(0.01).instantiate(Nd4j.zeros(DataType.FLOAT, 1, 4), true);
        assertEquals(true, FastAdam.dividesGradients(updater));
        var other = new Adam(0.01).instantiate(Nd4j.zeros(DataType.FLOAT, 1, 4), true);
        assertEquals(false, FastAdam.dividesGradients(other));
        var notOurs = assertThrows(IllegalArgumentException.class, () -> FastAdam.divideNextGradientBy(other, 10));
        assertEquals("updater: expected FastAdam's, got org.nd4j.linalg.learning.AdamUpdater", notOurs.getMessage());
        var zero = assertThrows(IllegalArgumentException.class, () -> FastAdam.divideNextGradientBy(updater, 0));
        assertEquals("batchSize: expected 1 or more, got 0", zero.getMessage());
    }

    @Test
    void badSettingsAreRefusedNamingTheField() {
        var lr = assertThrows(IllegalArgumentException.class, () -> new FastAdam(0));
        assertEquals("learningRate: expected a finite number above 0, got 0.0", lr.getMessage());
        var beta = assertThrows(IllegalArgumentException.class, () -> new FastAdam(0.1, 1.0, 0.999, 1e-8));
        assertEquals("beta1: expected a value in [0, 1), got 1.0", beta.getMessage());
        var beta2 = assertThrows(IllegalArgumentException.class, () -> new FastAdam(0.1, 0.9, -0.1, 1e-8));
        assertEquals("beta2: expected a value in [0, 1), got -0.1", beta2.getMessage());
        var epsilon = assertThrows(IllegalArgumentException.class, () -> new FastAdam(0.1, 0.9, 0.999, 0));
        assertEquals("epsilon: expected a finite number above 0, got 0.0", epsilon.getMessage());
    }
}
