package dev.tffashion.pipeline;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * Value ids. Drops get a new random id (or, with an Idempotency-Key, one derived from the key); derived values get a hash of
 * (task, output, input ids), so a replay after a crash yields
 * the same id and consumers can drop the duplicate.
 */
public final class ValueIds {

    private ValueIds() {
    }

    /** A new random id for a dropped value. */
    public static String random() {
        return UUID.randomUUID().toString();
    }

    /**
     * The id of a drop made with an {@code Idempotency-Key}: a name-based UUID of the pipeline, the task and the key, so a retry
     * reaching any file-drop replica, at any time, gets the same id, and readers drop the copy by id.
     */
    public static String forIdempotencyKey(String pipeline, String task, String key) {
        return UUID.nameUUIDFromBytes(("tf-fashion idempotency-key\n" + pipeline + "\n" + task + "\n" + key)
            .getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** The deterministic id of the value a task's output derives from the given inputs (order matters). */
    public static String derived(String task, String output, List<String> inputIds) {
        StringBuilder key = new StringBuilder(task).append('\n').append(output);
        for (String id : inputIds) {
            key.append('\n').append(id);
        }
        return HexFormat.of().formatHex(sha256(key.toString().getBytes(StandardCharsets.UTF_8)), 0, 16);
    }

    /** Convenience form of {@link #derived(String, String, List)}. */
    public static String derived(String task, String output, String... inputIds) {
        return derived(task, output, List.of(inputIds));
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
