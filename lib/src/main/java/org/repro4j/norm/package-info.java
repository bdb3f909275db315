/**
 * Normalisation layers and training regimes for the normalisation and batch-size notebooks. DL4J
 * 1.0.0-M2.1 has batch norm ({@code org.deeplearning4j.nn.conf.layers.BatchNormalization}) and layer
 * norm only inside a dense layer ({@code DenseLayer.Builder.hasLayerNorm(true)}: a gain {@code g}
 * on the normalised pre-activation, the bias as shift); this package adds ghost batch norm ({@link
 * org.repro4j.norm.GhostBatchNormalization}), group norm ({@link org.repro4j.norm.GroupNormalization},
 * which spans instance norm and layer norm over channels and positions) and training only the
 * batch-norm parameters with every other one frozen at its initial value, or only some elements (the
 * equal-count random control of Frankle et al. 2021) ({@link org.repro4j.norm.Freeze}); {@link
 * org.repro4j.norm.BatchNorms} finds batch-norm layers by type and counts the features their gamma disables. MLPs with batch norm or layer norm on their hidden layers come from
 * {@code Models.mlp(..., Models.HiddenNorm)}.
 */
package org.repro4j.norm;
