package dev.tffashion.pipeline.store;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * A blob's bytes as a stream that hashes what is read and fails with {@link ContentIntegrityException} at the end of the
 * stream if they are not the bytes the blob is named by. Every store backend hands out its blobs through it.
 */
public final class VerifyingInputStream extends FilterInputStream {

    private final MessageDigest digest = Hashing.sha256();
    private final String expected;
    private final String blob;
    private boolean verified;

    /**
     * @param in the blob's bytes as the backend reads them
     * @param expected the hex SHA-256 the blob is named by
     * @param blob where the blob is (a path or an object key), for the error message
     */
    public VerifyingInputStream(InputStream in, String expected, String blob) {
        super(in);
        this.expected = Hashing.requireSha256Hex(expected);
        this.blob = blob;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b < 0) {
            verify();
        } else {
            digest.update((byte) b);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n < 0) {
            verify();
        } else {
            digest.update(b, off, n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("skipping would bypass verification of " + blob);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void verify() {
        if (verified) {
            return;
        }
        verified = true;
        String actual = HexFormat.of().formatHex(digest.digest());
        if (!actual.equals(expected)) {
            throw new ContentIntegrityException("content store blob " + blob + " is corrupted: its bytes hash to sha256:" + actual
                    + ", not sha256:" + expected + "; delete the blob and drop the file again");
        }
    }
}
