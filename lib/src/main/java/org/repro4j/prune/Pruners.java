package org.repro4j.prune;

import java.util.List;

/**
 * The pruners by name, all with global selection (one ranking over every layer), as compared in
 * Tanaka et al., "Pruning neural networks without any data by iteratively conserving synaptic
 * flow" (NeurIPS 2020).
 */
public final class Pruners {

    /** The known names, in the order the notebooks list them. */
    public static final List<String> NAMES = List.of("random", "magnitude", "snip", "grasp", "synflow");

    private Pruners() {
    }

    /**
     * The pruner called {@code name}. SNIP and GraSP score on the batch passed to the pruner, in one pass;
     * SynFlow ignores the batch and prunes in {@link SynFlow#ROUNDS} rounds.
     *
     * @param seed seed of the random scores ("random"); the others are deterministic
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static Pruner get(String name, long seed) {
        return switch (name) {
            case "random" -> (net, masks, density, batch) -> Selection.global(net, masks, Scores.random(masks, seed), density);
            case "magnitude" -> (net, masks, density, batch) -> Selection.global(net, masks, Scores.magnitude(net, masks), density);
            case "snip" -> (net, masks, density, batch) -> Selection.global(net, masks, Snip.scores(net, masks, batch), density);
            case "grasp" -> (net, masks, density, batch) -> Selection.global(net, masks, Grasp.scores(net, masks, batch), density);
            case "synflow" -> (net, masks, density, batch) -> SynFlow.prune(net, masks, density, SynFlow.ROUNDS);
            default -> throw new IllegalArgumentException("pruner: unknown '" + name + "'; known: " + String.join(", ", NAMES));
        };
    }
}
