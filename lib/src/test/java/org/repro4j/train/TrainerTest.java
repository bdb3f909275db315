package org.repro4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.Fixtures;
import org.repro4j.models.Models;

class TrainerTest {

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private static Trainer.Options options(int epochs) {
        return new Trainer.Options(epochs, 8, 3);
    }

    @Test
    void learnsSeparableBlobsAndRecordsOneRowPerEpochAndSplit() {
        var net = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1);
        var history = Trainer.fit(net, Fixtures.blobs(64, 1), Fixtures.blobs(32, 2), options(5), QUIET);
        assertEquals(12, history.rowCount());  // epochs 0..5, train and test
        assertEquals(List.of(0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0, 5.0, 5.0), history.doubleColumn("epoch").asList());
        assertEquals(40, history.intColumn("iteration").get(11));  // 5 epochs of 64/8 batches
        assertTrue(history.doubleColumn("accuracy").get(11) > 0.95, history.print());
    }

    /** Evaluating between epochs must not touch training (it once restarted Adam's moments every epoch). */
    @Test
    void evaluatingBetweenEpochsLeavesTrainingUnchanged() {
        var evaluated = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1);
        var unevaluated = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1);
        Trainer.fit(evaluated, Fixtures.blobs(64, 1), Fixtures.blobs(32, 2), options(3), QUIET);
        Trainer.fit(unevaluated, Fixtures.blobs(64, 1), java.util.Map.of(), options(3), QUIET, Trainer.emptyHistory(), List.of());
        assertArrayEquals(unevaluated.params().toFloatVector(), evaluated.params().toFloatVector());
    }

    @Test
    void sameSeedsGiveBitIdenticalCurves() {
        var a = Trainer.fit(Models.mlp(4, List.of(8), 2, new Adam(0.01), 1), Fixtures.blobs(64, 1), Fixtures.blobs(32, 2), options(3), QUIET);
        var b = Trainer.fit(Models.mlp(4, List.of(8), 2, new Adam(0.01), 1), Fixtures.blobs(64, 1), Fixtures.blobs(32, 2), options(3), QUIET);
        assertEquals(a.doubleColumn("loss").asList(), b.doubleColumn("loss").asList());
    }

    @Test
    void interruptStopsBeforeTheNextIteration() {
        // The progress bar draws its first line right after iteration 1; this stream interrupts the thread then.
        var interrupting = new PrintStream(new ByteArrayOutputStream()) {
            @Override
            public void print(String s) {
                Thread.currentThread().interrupt();
            }
        };
        var net = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1);
        var e = assertThrows(TrainingInterruptedException.class,
                () -> Trainer.fit(net, Fixtures.blobs(64, 1), Fixtures.blobs(32, 2), options(2), interrupting));
        assertEquals("training interrupted after iteration 1 of 16", e.getMessage());
        assertTrue(Thread.interrupted(), "the interrupt flag stays set for the caller");
    }

    @Test
    void nonFiniteLossStopsNamingTheIteration() {
        var poisoned = Fixtures.blobs(64, 1);
        poisoned.features().putScalar(0, 0, Float.NaN);
        var net = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1);
        var e = assertThrows(IllegalStateException.class, () -> Trainer.fit(net, poisoned, Fixtures.blobs(32, 2), options(1), QUIET));
        assertTrue(e.getMessage().matches("loss is (NaN|Infinity) at iteration \\d+ \\(epoch \\d+\\)"), e.getMessage());
    }

    @Test
    void permutationIsAPermutationAndDependsOnTheSeed() {
        int[] a = Trainer.permutation(100, new SplittableRandom(1));
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 100; i++) {
            assertEquals(i, sorted[i]);
        }
        assertTrue(!Arrays.equals(a, Trainer.permutation(100, new SplittableRandom(2))));
    }

    @Test
    void byIterationsEvaluatesEveryKIterationsOnEachSplitAndAtTheEnd() {
        var net = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1);
        var train = Fixtures.blobs(64, 1);
        var history = Trainer.fit(net, train, Trainer.splits(train, Fixtures.blobs(16, 3), Fixtures.blobs(32, 2)),
                Trainer.Options.ofIterations(30, 8, 3).evaluatingEvery(12), QUIET, Trainer.emptyHistory(), List.of());
        assertEquals(List.of(0, 0, 0, 12, 12, 12, 24, 24, 24, 30, 30, 30), history.intColumn("iteration").asList());
        assertEquals(List.of("train", "validation", "test"), history.stringColumn("split").asList().subList(0, 3));
        assertEquals(30.0 / 8, history.doubleColumn("epoch").get(11), 1e-12);  // 64/8 = 8 iterations an epoch
        assertEquals(30, net.getIterationCount());
    }

    @Test
    void stepListenersRunBeforeTheEvaluation() {
        var net = Models.mlp(4, List.of(8), 2, new Adam(0.01), 1);
        var zeroing = new Trainer.Listener() {
            @Override
            public void afterStep(org.deeplearning4j.nn.api.Model n, long iteration) {
                n.params().assign(0);
            }

            @Override
            public void afterIteration(org.deeplearning4j.nn.api.Model n, long iteration, boolean epochEnd, tech.tablesaw.api.Table h) {
            }
        };
        var train = Fixtures.blobs(64, 1);
        var history = Trainer.fit(net, train, Trainer.splits(train, null, Fixtures.blobs(32, 2)), options(1), QUIET,
                Trainer.emptyHistory(), List.of(zeroing));
        // All-zero weights give both classes probability 1/2: a loss of ln 2 on every example.
        assertEquals(Math.log(2), history.doubleColumn("loss").get(3), 1e-6);
    }

    @Test
    void trainsAComputationGraphLikeALayerStack() {
        var conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(1).updater(new Adam(0.01))
                .weightInit(org.deeplearning4j.nn.weights.WeightInit.RELU).graphBuilder().addInputs("x")
                .addLayer("hidden", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(4).nOut(8)
                        .activation(org.nd4j.linalg.activations.Activation.RELU).build(), "x")
                .addLayer("out", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nIn(8).nOut(2)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").build();
        var graph = new org.deeplearning4j.nn.graph.ComputationGraph(conf);
        graph.init();
        var history = Trainer.fit(graph, Fixtures.blobs(64, 1), Fixtures.blobs(32, 2), options(5), QUIET);
        assertEquals(40, Nets.iterationCount(graph));
        assertTrue(history.doubleColumn("accuracy").get(11) > 0.95, history.print());
    }

    @Test
    void invalidOptionsAreRejectedNamingTheField() {
        var both = assertThrows(IllegalArgumentException.class, () -> new Trainer.Options(2, 100, 8, 1, 0));
        assertEquals("epochs, iterations: expected one of them 0, got 2 and 100", both.getMessage());
        var noIterations = assertThrows(IllegalArgumentException.class, () -> Trainer.Options.ofIterations(0, 8, 1));
        assertEquals("iterations: expected at least 1, got 0", noIterations.getMessage());
        var every = assertThrows(IllegalArgumentException.class, () -> options(1).evaluatingEvery(0));
        assertEquals("evalEvery: expected at least 1, got 0", every.getMessage());
        var e = assertThrows(IllegalArgumentException.class, () -> new Trainer.Options(0, 8, 1));
        assertEquals("epochs: expected at least 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Trainer.Options(1, 0, 1));
        assertEquals("batchSize: expected at least 1, got 0", e.getMessage());
    }
}
