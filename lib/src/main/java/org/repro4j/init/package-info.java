/**
 * Weight initialisation. Per-tensor initializers implement DL4J's {@link
 * org.deeplearning4j.nn.weights.IWeightInit}, so any layer accepts them ({@code
 * .weightInit(new Kaiming(...))}) and a network using them saves and restores with {@code
 * ModelSerializer}: {@link org.repro4j.init.Constant}, {@link org.repro4j.init.Normal}, {@link
 * org.repro4j.init.Uniform}, {@link org.repro4j.init.Xavier}, {@link org.repro4j.init.Kaiming},
 * {@link org.repro4j.init.Orthogonal} and {@link org.repro4j.init.Scaled}, with the gains per
 * activation in {@link org.repro4j.init.Gains} and a registry by name in {@link
 * org.repro4j.init.Initializers}. They draw from ND4J's random generator, which a network seeds
 * with its configured seed before initialising, so the same seed gives the same weights.
 * Whole-network initialisation: {@link org.repro4j.init.Lsuv} (data-dependent) and {@link
 * org.repro4j.init.Antisymmetric} (output 0 at initialisation, for rich versus lazy training).
 */
package org.repro4j.init;
