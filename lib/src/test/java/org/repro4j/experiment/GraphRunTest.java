package org.repro4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.Fixtures;
import org.repro4j.train.Trainer;

/** The store keeps and resumes ComputationGraphs, trained by iterations, as it does layer stacks. */
class GraphRunTest {

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    private static final KillableRun.Tiny HPARAMS = new KillableRun.Tiny(0, 0.02);
    private static final Trainer.Options OPTIONS = Trainer.Options.ofIterations(30, 8, 3).evaluatingEvery(5);

    private static ComputationGraph graph() {
        var conf = new NeuralNetConfiguration.Builder().seed(2).updater(new Adam(HPARAMS.lr())).weightInit(WeightInit.RELU)
                .graphBuilder().addInputs("x")
                .addLayer("hidden", new DenseLayer.Builder().nIn(4).nOut(8).activation(Activation.RELU).build(), "x")
                .addLayer("out", new OutputLayer.Builder().nIn(8).nOut(2).activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").build();
        var graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    private static Run run(Path store, List<Trainer.Listener> listeners) {
        var train = Fixtures.blobs(64, 1);
        return Runs.runOrLoad(HPARAMS, new ResultsStore(store), GraphRunTest::graph, train,
                Trainer.splits(train, Fixtures.blobs(16, 3), Fixtures.blobs(32, 2)), OPTIONS, QUIET, listeners);
    }

    @Test
    void anInterruptedGraphRunResumesToTheMetricsOfAnUninterruptedOneAndLoadsAsAGraph(@TempDir Path interrupted,
                                                                                        @TempDir Path whole) {
        try {
            run(interrupted, List.of((net, iteration, epochEnd, h) -> {
                if (iteration == 19) {
                    Thread.currentThread().interrupt();
                }
            }));
        } catch (org.repro4j.train.TrainingInterruptedException expected) {
            assertTrue(Thread.interrupted());
        }
        var resumed = run(interrupted, List.of());
        assertEquals(30 - 16, resumed.iterationsThisTime(), "resumed from the checkpoint at the end of epoch 2");
        var uninterrupted = run(whole, List.of());
        assertEquals(uninterrupted.metrics().doubleColumn("loss").asList(), resumed.metrics().doubleColumn("loss").asList());
        assertEquals(uninterrupted.net().params(), resumed.net().params());
        var loaded = run(interrupted, List.of());
        assertTrue(loaded.loaded());
        assertInstanceOf(ComputationGraph.class, loaded.net());
        assertEquals(7 * 3, loaded.metrics().rowCount());  // iterations 0, 5, ..., 30, three splits
    }
}
