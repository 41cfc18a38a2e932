package dev.chatlog.experiments;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Objects;

/**
 * Sticky assignment: a unit (a conversation or a user) gets the arm its hash falls in — the first 8 bytes of
 * SHA-256(experiment name, salt, unit) as a number from 0 to 9,999 against the arms' cumulative shares in basis
 * points. The same unit always gets the same arm, on every instance, with no coordination and nothing stored; a new
 * salt reshuffles; two experiments split independently. Outside the experiment's run, the control.
 */
public final class Assignment {
    private Assignment() {}

    /** The arm {@code unit} is in at {@code now}. */
    public static Variant variantFor(Experiment e, String unit, Instant now) {
        Objects.requireNonNull(unit, "unit");
        if (!e.running(now)) return e.control();
        int bucket = bucket(e, unit);
        int upTo = 0;
        for (Variant v : e.variants()) {
            upTo += v.basisPoints();
            if (bucket < upTo) return v;
        }
        return e.control(); // not reached: shares add up to 10,000 basis points
    }

    /** The unit's place from 0 to 9,999 in the experiment's split. */
    static int bucket(Experiment e, String unit) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((e.name() + '\0' + e.salt() + '\0' + unit).getBytes(StandardCharsets.UTF_8));
            long v = 0;
            for (int i = 0; i < 8; i++) v = (v << 8) | (h[i] & 0xff);
            return (int) Long.remainderUnsigned(v, 10_000);
        } catch (NoSuchAlgorithmException x) {
            throw new IllegalStateException(x);
        }
    }
}
