package org.repro4j.experiment;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.learning.config.Adam;
import org.repro4j.Fixtures;
import org.repro4j.models.Models;
import org.repro4j.train.Trainer;

/**
 * A small run that {@link RunsTest} starts in a child JVM and kills: it says "epoch N" on standard
 * output after each epoch's checkpoint and takes 20 ms an iteration, so there is time to kill it.
 */
public final class KillableRun {

    /** The hyperparameters of the run. */
    public record Tiny(int epochs, double lr) implements Hparams {
        @Override
        public Hparams defaults() {
            return new Tiny(12, 0.01);
        }
    }

    static final Tiny HPARAMS = new Tiny(12, 0.02);

    static Run run(Path store, PrintStream progress, List<Trainer.Listener> listeners) {
        return Runs.runOrLoad(HPARAMS, new ResultsStore(store), () -> Models.mlp(4, List.of(16), 2, new Adam(HPARAMS.lr()), 5),
                Fixtures.blobs(64, 1), Trainer.splits(Fixtures.blobs(64, 1), null, Fixtures.blobs(32, 2)),
                new Trainer.Options(HPARAMS.epochs(), 8, 3), progress, listeners);
    }

    public static void main(String[] args) {
        run(Path.of(args[0]), new PrintStream(OutputStream.nullOutputStream()), List.of((net, iteration, epochEnd, history) -> {
            if (epochEnd) {
                System.out.println("epoch " + iteration / 8);
                System.out.flush();
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
    }
}
