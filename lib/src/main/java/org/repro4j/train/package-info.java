/**
 * Training loops and their measurements: the {@link org.repro4j.train.Trainer}, the
 * {@link org.repro4j.train.Evaluation} of a classifier and its
 * {@link org.repro4j.train.ConfusionMatrix}.
 */
package org.repro4j.train;
