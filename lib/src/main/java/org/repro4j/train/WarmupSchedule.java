package org.repro4j.train;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A linear warmup in front of another schedule: the rate rises linearly from 0 to
 * {@code after.valueAt(warmup, epoch)} over the first {@code warmup} iterations, then follows
 * {@code after} (Goyal et al., "Accurate, Large Minibatch SGD", 2017, section 2.2, gradual warmup).
 * {@code new Sgd(new WarmupSchedule(500, new CosineSchedule(0.1, 10_000)))}.
 */
public final class WarmupSchedule implements ISchedule {

    @JsonProperty
    private final int warmup;
    @JsonProperty
    private final ISchedule after;

    /**
     * @param warmup iterations of linear increase, at least 1
     * @param after  the schedule from iteration {@code warmup} on
     */
    public WarmupSchedule(@JsonProperty("warmup") int warmup, @JsonProperty("after") ISchedule after) {
        if (warmup < 1) {
            throw new IllegalArgumentException("warmup: expected at least 1 iteration, got " + warmup);
        }
        if (after == null) {
            throw new IllegalArgumentException("after: expected a schedule to follow the warmup, got null");
        }
        this.warmup = warmup;
        this.after = after;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return iteration >= warmup ? after.valueAt(iteration, epoch) : after.valueAt(warmup, epoch) * iteration / warmup;
    }

    @Override
    public ISchedule clone() {
        return new WarmupSchedule(warmup, after.clone());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WarmupSchedule w && w.warmup == warmup && w.after.equals(after);
    }

    @Override
    public int hashCode() {
        return warmup * 31 + after.hashCode();
    }

    @Override
    public String toString() {
        return "WarmupSchedule(warmup=" + warmup + ", after=" + after + ")";
    }
}
