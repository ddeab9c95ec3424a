package dev.tffashion.fashionmnist;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** MD5 of a file's uncompressed content (gzip is undone first, as the published Fashion-MNIST checksums expect). */
public final class Checksums {

    private Checksums() {
    }

    /** Hex MD5 of the uncompressed content of {@code file}. */
    public static String uncompressedMd5(Path file) throws IOException {
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no MD5", e);
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = IdxReader.open(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                md5.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md5.digest());
    }
}
