/**
 * Running experiments: the {@link org.repro4j.experiment.Scale} a notebook runs at; later the
 * hyperparameter records, the results store and the claims that end each notebook.
 */
package org.repro4j.experiment;
