package org.repro4j.prune;

/** SNIP and GraSP against finite differences on a 3-4-2 MLP with two weights pruned. */
class GradientScoresTest extends GradientScoresCheck {

    GradientScoresTest() {
        super(Tiny.mlp(7), Tiny.someMasksPruned(Tiny.mlp(7)), Tiny.batch(6, 3));
    }
}
