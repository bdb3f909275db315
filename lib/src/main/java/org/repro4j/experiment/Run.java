package org.repro4j.experiment;

import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.api.Model;
import tech.tablesaw.api.Table;

/**
 * A finished training run, or one that diverged (see {@link Runs#runOrRecordDivergence}).
 *
 * @param folder             its results folder
 * @param net                the trained network (a MultiLayerNetwork or a ComputationGraph, as {@code init} built it);
 *                           null for a diverged run
 * @param metrics            its learning curves (see {@link org.repro4j.train.Trainer#fit}), up to the divergence
 *                           for a diverged run
 * @param iterationsThisTime iterations trained by this call: 0 when the run was loaded finished
 *                           from the store, fewer than the total when it resumed a checkpoint
 */
public record Run(Path folder, Model net, Table metrics, long iterationsThisTime) {

    /** Whether this call trained nothing because the store held the finished run. */
    public boolean loaded() {
        return iterationsThisTime == 0;
    }

    /** Whether the run stopped because its loss or parameters became non-finite ({@link Runs#DIVERGED} in its folder). */
    public boolean diverged() {
        return Files.isRegularFile(folder.resolve(Runs.DIVERGED));
    }
}
