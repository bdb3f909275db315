package org.repro4j.prune;

import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.dataset.DataSet;

/**
 * One pruning step, after open_lth's {@code Strategy.prune}: from the network, its current masks,
 * the density to reach and a sample batch (ignored by data-free pruners) to new, validated masks
 * that keep exactly {@code round(density * masks.size())} weights. It never changes the network.
 */
@FunctionalInterface
public interface Pruner {

    /**
     * @param density fraction of all prunable weights the new masks keep, in (0, current.density()]
     * @param batch   examples and one-hot labels for pruners that score with gradients
     */
    Masks prune(Model net, Masks current, double density, DataSet batch);
}
