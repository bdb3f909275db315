package org.repro4j.experiment;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Hyperparameters as a Java record with a stable name, after open_lth's {@code Hparams} and
 * {@code Desc.hashname} (Frankle et al., github.com/facebookresearch/open_lth).
 *
 * <p>The {@linkplain #canonical() canonical form} is JSON with sorted keys that leaves out every
 * field still equal to its value in {@link #defaults()}: adding a field with a default later keeps
 * the names of old results. Its SHA-256 gives the {@linkplain #hash() folder name} of the run.
 *
 * <pre>{@code
 * record Getting(int epochs, double lr) implements Hparams {
 *     public Hparams defaults() { return new Getting(10, 1.2e-3); }
 * }
 * }</pre>
 */
public interface Hparams {

    /** Hex digits of the SHA-256 kept in {@link #hash()}: 64 bits, enough to never collide in one experiment. */
    int HASH_LENGTH = 16;

    /** This record type with every field at its default. */
    Hparams defaults();

    /** The experiment's name, the record's simple name in kebab case ({@code LotteryTicket} -> {@code lottery-ticket}). */
    default String experiment() {
        return getClass().getSimpleName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** Sorted-key JSON of the fields that differ from {@link #defaults()}. */
    default String canonical() {
        return CanonicalJson.of(this, true);
    }

    /** Sorted-key JSON of every field, defaults included, for people reading {@code hparams.json}. */
    default String json() {
        return CanonicalJson.of(this, false);
    }

    /** The first {@value #HASH_LENGTH} hex digits of the SHA-256 of {@link #canonical()}. */
    default String hash() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, HASH_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
