package dev.tffashion.pipeline.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract of every {@link ContentStore} backend: content-addressed names, idempotent puts, integrity checked on read,
 * clear errors. A backend's test extends this class and says how to make a store and how to corrupt one of its blobs
 * (FileContentStoreTest here, S3ContentStoreTest in libs/content-store-s3 through this module's test-jar).
 */
public abstract class ContentStoreTest {

    @TempDir
    protected Path root;

    /** A new, empty store of the backend under test (one per test). */
    protected abstract ContentStore newStore();

    /** Replaces the bytes of a stored blob behind the store's back, keeping its name. */
    protected abstract void overwriteBlob(ContentStore store, String sha256, byte[] bytes) throws IOException;

    /** When the blob was last written or renewed, as the backend records it (the age a clean-up rule counts from). */
    protected abstract Instant blobModified(ContentStore store, String sha256) throws IOException;

    protected static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new Random(42).nextBytes(bytes);
        return bytes;
    }

    @Test
    void storesByContentHashAndReadsBack() {
        ContentStore store = newStore();
        byte[] bytes = randomBytes(200_000);
        assertFalse(store.contains(Hashing.sha256Hex(bytes)));
        ContentRef ref = store.put(bytes, "image/png");
        assertEquals(Hashing.sha256Hex(bytes), ref.sha256());
        assertEquals("store:sha256:" + ref.sha256(), ref.uri());
        assertEquals(200_000, ref.size());
        assertEquals("image/png", ref.mediaType());
        assertTrue(store.contains(ref.sha256()));
        assertArrayEquals(bytes, Contents.read(store, ref));
    }

    @Test
    void putIsIdempotent() {
        ContentStore store = newStore();
        byte[] bytes = randomBytes(100_000);
        ContentRef first = store.put(bytes, "image/png");
        assertEquals(first, store.put(new ByteArrayInputStream(bytes), "image/png"), "same bytes, same blob");
        assertArrayEquals(bytes, Contents.read(store, first));
    }

    @Test
    void aPutOfStoredBytesRenewsTheBlobsAge() throws Exception {
        ContentStore store = newStore();
        byte[] bytes = randomBytes(70_000);
        ContentRef ref = store.put(bytes, "application/octet-stream");
        Instant first = blobModified(store, ref.sha256());
        Thread.sleep(1_100); // modification times may have a resolution of one second (S3's Last-Modified has)
        assertEquals(ref, store.put(bytes, "application/octet-stream"));
        Instant renewed = blobModified(store, ref.sha256());
        assertTrue(renewed.isAfter(first), "a value written now references the blob: its age starts again (" + first + " -> "
                + renewed + ")");
        assertArrayEquals(bytes, Contents.read(store, ref));
    }

    @Test
    void concurrentPutsOfTheSameBytesAgree() throws Exception {
        ContentStore store = newStore();
        byte[] bytes = randomBytes(150_000);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<ContentRef>> puts = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                puts.add(pool.submit(() -> store.put(bytes, "application/octet-stream")));
            }
            ContentRef expected = puts.get(0).get();
            for (Future<ContentRef> put : puts) {
                assertEquals(expected, put.get());
            }
            assertArrayEquals(bytes, Contents.read(store, expected));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anEmptyBlobIsStoredAndRead() {
        ContentStore store = newStore();
        ContentRef ref = store.put(new byte[0], "application/octet-stream");
        assertEquals(Hashing.sha256Hex(new byte[0]), ref.sha256());
        assertEquals(0, ref.size());
        assertArrayEquals(new byte[0], Contents.read(store, ref));
    }

    @Test
    void smallContentIsInlineAndLargeContentGoesToTheStore() {
        ContentStore store = newStore();
        ContentRef small = Contents.store(store, "hello".getBytes(StandardCharsets.UTF_8), "text/plain");
        assertEquals("data:text/plain;base64,aGVsbG8=", small.uri());
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), Contents.read(store, small));
        assertTrue(Contents.store(store, randomBytes(Contents.INLINE_LIMIT), "x/y").uri().startsWith("data:"));
        assertTrue(Contents.store(store, randomBytes(Contents.INLINE_LIMIT + 1), "x/y").uri().startsWith("store:sha256:"));
    }

    @Test
    void aCorruptedBlobIsDetectedOnRead() throws IOException {
        ContentStore store = newStore();
        byte[] bytes = randomBytes(100_000);
        ContentRef ref = store.put(bytes, "application/octet-stream");
        byte[] corrupted = bytes.clone();
        corrupted[500] ^= 0x01;
        overwriteBlob(store, ref.sha256(), corrupted);
        ContentIntegrityException e = assertThrows(ContentIntegrityException.class, () -> Contents.read(store, ref));
        assertTrue(e.getMessage().contains("corrupted"), e.getMessage());
    }

    @Test
    void corruptedInlineContentIsDetected() {
        ContentRef ref = new ContentRef(Contents.dataUri("text/plain", "hello".getBytes(StandardCharsets.UTF_8)), "text/plain", 5,
                Hashing.sha256Hex("HELLO".getBytes(StandardCharsets.UTF_8)));
        assertThrows(ContentIntegrityException.class, () -> Contents.read(newStore(), ref));
    }

    @Test
    void unknownOrMissingContentGivesAClearError() {
        ContentStore store = newStore();
        ContentStoreException missing = assertThrows(ContentStoreException.class,
                () -> store.open("0".repeat(64)));
        assertTrue(missing.getMessage().contains("not in the store"), missing.getMessage());
        assertThrows(ContentStoreException.class, () -> store.open("../../etc/passwd"));
        assertThrows(ContentStoreException.class, () -> store.contains("../../etc/passwd"));
        assertThrows(ContentStoreException.class,
                () -> Contents.read(store, new ContentRef("http://example/x", "x/y", 1, null)));
    }

    @Test
    void aDirectoryIsStoredAsOneTarAndUnpacksIdentically() throws IOException {
        Path model = root.resolve("model");
        Files.createDirectories(model.resolve("variables"));
        Files.write(model.resolve("saved_model.pb"), randomBytes(70_000));
        Files.writeString(model.resolve("variables/variables.index"), "index");
        ContentStore store = newStore();
        ContentRef ref = Contents.storeDirectory(store, model);
        assertEquals(Contents.TAR, ref.mediaType());
        assertEquals(ref, Contents.storeDirectory(store, model), "archives are reproducible");
        Path out = root.resolve("out");
        try (InputStream in = Contents.open(store, ref)) {
            Contents.extractTar(in, out);
        }
        assertArrayEquals(Files.readAllBytes(model.resolve("saved_model.pb")), Files.readAllBytes(out.resolve("saved_model.pb")));
        assertEquals("index", Files.readString(out.resolve("variables/variables.index")));
    }

    @Test
    void anArchiveEntryEscapingTheTargetIsRefused() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            TarArchiveEntry entry = new TarArchiveEntry("../evil.txt");
            entry.setSize(1);
            tar.putArchiveEntry(entry);
            tar.write('x');
            tar.closeArchiveEntry();
        }
        Path out = root.resolve("out");
        assertThrows(ContentStoreException.class, () -> Contents.extractTar(new ByteArrayInputStream(bytes.toByteArray()), out));
        assertFalse(Files.exists(root.resolve("evil.txt")));
    }
}
