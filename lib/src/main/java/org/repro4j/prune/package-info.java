/**
 * Pruning: {@link org.repro4j.prune.Masks} (0/1 masks over a network's weights, kept at zero while
 * training), scores and their selection ({@link org.repro4j.prune.Scores}, {@link
 * org.repro4j.prune.Selection}), the pruning-at-initialization scores ({@link
 * org.repro4j.prune.Snip}, {@link org.repro4j.prune.Grasp}, {@link org.repro4j.prune.SynFlow}),
 * named pruners ({@link org.repro4j.prune.Pruners}), structured pruning of whole filters by their L1
 * norm ({@link org.repro4j.prune.Filters}), layer-wise density rules for random masks
 * ({@link org.repro4j.prune.Densities}), iterative magnitude pruning with rewinding ({@link
 * org.repro4j.prune.Imp}) and the layer-collapse report ({@link org.repro4j.prune.LayerCollapse}).
 */
package org.repro4j.prune;
