/**
 * Datasets in memory ({@link org.repro4j.data.Dataset}), the strict readers of their file formats
 * (IDX, CIFAR-10 binary), the embedded Fashion-MNIST, verified downloads, and the
 * {@link org.repro4j.data.DataRoot} they all live under.
 */
package org.repro4j.data;
