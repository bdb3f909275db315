/**
 * Training loops and their measurements: the {@link org.repro4j.train.Trainer}, the
 * {@link org.repro4j.train.Evaluation} of a classifier and its
 * {@link org.repro4j.train.ConfusionMatrix}, one-number summaries of a learning curve
 * ({@link org.repro4j.train.Curves}) and the {@link org.repro4j.train.DivergenceException} a run
 * throws when its loss turns non-finite.
 */
package org.repro4j.train;
