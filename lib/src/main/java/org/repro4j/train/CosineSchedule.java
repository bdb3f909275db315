package org.repro4j.train;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.repro4j.Check;

/**
 * A learning rate that falls from {@code initial} to 0 along half a cosine over {@code iterations}
 * iterations: lr(t) = initial * (1 + cos(pi * t / iterations)) / 2 (Loshchilov and Hutter, "SGDR",
 * ICLR 2017, eq. 5, without restarts), and 0 from then on. Pass it to a DL4J updater:
 * {@code new Adam(new CosineSchedule(1.2e-3, 10_000))}.
 *
 * <p>(ND4J 1.0.0-M2.1's own {@code PolySchedule}, meant to decay, computes
 * initial * (1 + t / maxIter)^power, which grows.)
 */
public final class CosineSchedule implements ISchedule {

    @JsonProperty
    private final double initial;
    @JsonProperty
    private final int iterations;

    /**
     * @param initial    the learning rate at iteration 0, positive
     * @param iterations length of the decay in iterations, at least 1
     */
    public CosineSchedule(@JsonProperty("initial") double initial, @JsonProperty("iterations") int iterations) {
        Check.positive("initial", initial);
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations: expected at least 1, got " + iterations);
        }
        this.initial = initial;
        this.iterations = iterations;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return iteration >= iterations ? 0 : initial * (1 + Math.cos(Math.PI * iteration / iterations)) / 2;
    }

    @Override
    public ISchedule clone() {
        return new CosineSchedule(initial, iterations);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CosineSchedule c && c.initial == initial && c.iterations == iterations;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(initial) * 31 + iterations;
    }

    @Override
    public String toString() {
        return "CosineSchedule(initial=" + initial + ", iterations=" + iterations + ")";
    }
}
