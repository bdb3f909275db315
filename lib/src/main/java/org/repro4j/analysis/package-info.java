/**
 * Measurements of what training did to a network, beyond its accuracy: how far each weight tensor
 * moved from its initial value ({@link org.repro4j.analysis.WeightChange}) and how well a kernel
 * of its features aligns with the labels or with another kernel ({@link
 * org.repro4j.analysis.Kernels}), the two diagnostics of rich versus lazy learning.
 */
package org.repro4j.analysis;
