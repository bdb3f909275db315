/** Network factories named by architecture ({@code lenet300100}, {@code mlp}), each with its paper's defaults. */
package org.repro4j.models;
