package dev.tffashion.pipeline.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The folder backend: the store contract (ContentStoreTest), its folder layout, and what a crash mid-write leaves. */
class FileContentStoreTest extends ContentStoreTest {

    private Path storeRoot() {
        return root.resolve("store");
    }

    @Override
    protected ContentStore newStore() {
        return new FileContentStore(storeRoot());
    }

    @Override
    protected void overwriteBlob(ContentStore store, String sha256, byte[] bytes) throws IOException {
        Files.write(((FileContentStore) store).blobPath(sha256), bytes);
    }

    @Override
    protected Instant blobModified(ContentStore store, String sha256) throws IOException {
        return Files.getLastModifiedTime(((FileContentStore) store).blobPath(sha256)).toInstant();
    }

    @Test
    void blobsLiveUnderTheirHashAndNoTemporaryFileStays() throws IOException {
        FileContentStore store = new FileContentStore(storeRoot());
        ContentRef ref = store.put(randomBytes(200_000), "image/png");
        Path blob = storeRoot().resolve("sha256").resolve(ref.sha256().substring(0, 2)).resolve(ref.sha256());
        assertTrue(Files.isRegularFile(blob));
        store.put(randomBytes(200_000), "image/png");
        try (Stream<Path> temps = Files.list(storeRoot().resolve("tmp"))) {
            assertEquals(0, temps.count(), "no temporary file left behind");
        }
        assertEquals(storeRoot().toString(), store.location());
    }

    @Test
    void aCrashBetweenWriteAndRenameLeavesNoBlobUnderItsFinalName() throws IOException {
        FileContentStore crashing = new FileContentStore(storeRoot(), temp -> {
            assertTrue(Files.size(temp) > 0, "the temporary file is written and flushed before the rename");
            throw new IOException("simulated crash before rename");
        });
        byte[] bytes = randomBytes(100_000);
        assertThrows(ContentStoreException.class, () -> crashing.put(bytes, "application/octet-stream"));
        FileContentStore store = new FileContentStore(storeRoot());
        assertFalse(store.contains(Hashing.sha256Hex(bytes)));
        try (Stream<Path> blobs = Files.walk(storeRoot().resolve("sha256"))) {
            assertEquals(0, blobs.filter(Files::isRegularFile).count());
        }
        ContentRef ref = store.put(bytes, "application/octet-stream");
        assertArrayEquals(bytes, Contents.read(store, ref), "a retried write succeeds");
    }

    @Test
    void aFullFileSystemIsToldApartAndLeavesNothingBehind() throws IOException {
        FileContentStore full = new FileContentStore(storeRoot(), temp -> {
            throw new FileSystemException(temp.toString(), null, "No space left on device");
        });
        byte[] bytes = randomBytes(100_000);
        ContentStoreFullException e = assertThrows(ContentStoreFullException.class, () -> full.put(bytes, "image/png"));
        assertTrue(e.getMessage().startsWith("the content store at " + storeRoot().toAbsolutePath() + " is full ("), e.getMessage());
        try (Stream<Path> temps = Files.list(storeRoot().resolve("tmp"))) {
            assertEquals(0, temps.count(), "the partial file is removed");
        }
        FileContentStore failing = new FileContentStore(storeRoot(), temp -> {
            throw new IOException("Input/output error");
        });
        ContentStoreException other = assertThrows(ContentStoreException.class, () -> failing.put(bytes, "image/png"));
        assertFalse(other instanceof ContentStoreFullException, "an I/O error is not a full store");
        assertTrue(ContentStoreFullException.isNoSpace(new IllegalStateException("wrapped", new IOException("Disk quota exceeded"))));
    }
}
