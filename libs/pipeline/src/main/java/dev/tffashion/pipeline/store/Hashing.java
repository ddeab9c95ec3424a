package dev.tffashion.pipeline.store;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** SHA-256 helpers shared by the store and the readers that verify content. */
public final class Hashing {

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    private Hashing() {
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    /** Throws unless the text is 64 lower-case hex digits (also keeps path traversal out of store paths). */
    public static String requireSha256Hex(String hex) {
        if (hex == null || !SHA256_HEX.matcher(hex).matches()) {
            throw new ContentStoreException("not a SHA-256 hex digest: '" + hex + "'");
        }
        return hex;
    }
}
