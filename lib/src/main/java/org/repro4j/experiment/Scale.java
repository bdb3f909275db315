package org.repro4j.experiment;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * How much of a paper's protocol a notebook runs. One knob for every notebook: the environment
 * variable {@code REPRO_SCALE} (or the system property {@code repro4j.scale}), default {@link #LAPTOP}.
 *
 * <ul>
 *   <li>{@link #SMOKE}: CI; every cell runs on tiny subsets, at most 90 s a notebook.</li>
 *   <li>{@link #LAPTOP}: reproduces the direction of the paper's claim on embedded data,
 *       at most 15 minutes and 2 GB on a 2-core laptop.</li>
 *   <li>{@link #PAPER}: the paper's own protocol; hours, meant for a GPU.</li>
 * </ul>
 */
public enum Scale {
    SMOKE, LAPTOP, PAPER;

    /** The scale chosen by {@code REPRO_SCALE} / {@code repro4j.scale}, or {@link #LAPTOP}. */
    public static Scale current() {
        return resolve(System.getenv(), System.getProperty("repro4j.scale"));
    }

    static Scale resolve(Map<String, String> env, String property) {
        String value = env.getOrDefault("REPRO_SCALE", property);
        return value == null || value.isBlank() ? LAPTOP : of(value);
    }

    /** The scale named {@code name} (case-insensitive); throws listing the known names. */
    public static Scale of(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("REPRO_SCALE: unknown scale '" + name + "'; known: "
                    + Arrays.stream(values()).map(Scale::toString).collect(Collectors.joining(", ")));
        }
    }

    /** Picks the value for this scale, e.g. {@code int epochs = scale.pick(1, 10, 50);}. */
    public <T> T pick(T smoke, T laptop, T paper) {
        return switch (this) {
            case SMOKE -> smoke;
            case LAPTOP -> laptop;
            case PAPER -> paper;
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
