/**
 * Optimisers that ND4J lacks (its updaters: Sgd, Nesterovs, Adam, AdaMax, AMSGrad, Nadam, AdaGrad,
 * AdaDelta, RmsProp, AdaBelief, NoOp): SGD with heavy-ball momentum ({@link
 * org.repro4j.optim.Momentum}, an updater), and the layer-wise adaptive LARS ({@link
 * org.repro4j.optim.Lars}) and LAMB ({@link org.repro4j.optim.Lamb}); and {@link
 * org.repro4j.optim.LrScaling}, which measures how the best learning rate scales with the batch size.
 *
 * <p>An ND4J updater sees only a gradient block (the parameters sharing one updater
 * configuration, often a whole network) and never the parameters, so it cannot compute a
 * per-layer trust ratio. DL4J's regularization hook can: a {@code Regularization} is applied to
 * one parameter tensor at a time with both its values and its gradient, before the updater
 * ({@code BEFORE_UPDATER}) or on the update the updater produced ({@code POST_UPDATER}). LARS and
 * LAMB are therefore regularizations used beside a stock updater, set on each layer with {@code
 * .regularization(List.of(...))}; biases (whose list is {@code regularizationBias}) keep the stock
 * updater's step.
 *
 * <p>Not on the network's builder: DL4J 1.0.0-M2.1 copies a network-wide regularization list
 * ({@code .regularization(...)}, and so {@code .weightDecay(...)} and {@code .l2(...)}) into every
 * layer's list twice, so it is applied twice per step (twice the weight decay; the trust ratio
 * applied to its own output). {@code TrustRatioTest} pins that quirk.
 */
package org.repro4j.optim;
