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
import java.util.Random;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentStoreTest {

    @TempDir
    Path root;

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new Random(42).nextBytes(bytes);
        return bytes;
    }

    @Test
    void storesByContentHashAndReadsBack() throws IOException {
        FileContentStore store = new FileContentStore(root);
        byte[] bytes = randomBytes(200_000);
        ContentRef ref = store.put(bytes, "image/png");
        assertEquals(Hashing.sha256Hex(bytes), ref.sha256());
        assertEquals("store:sha256:" + ref.sha256(), ref.uri());
        assertEquals(200_000, ref.size());
        Path blob = root.resolve("sha256").resolve(ref.sha256().substring(0, 2)).resolve(ref.sha256());
        assertTrue(Files.isRegularFile(blob));
        assertArrayEquals(bytes, Contents.read(store, ref));
        assertEquals(ref, store.put(bytes, "image/png"), "same bytes, same blob");
        try (Stream<Path> temps = Files.list(root.resolve("tmp"))) {
            assertEquals(0, temps.count(), "no temporary file left behind");
        }
    }

    @Test
    void smallContentIsInlineAndLargeContentGoesToTheStore() {
        FileContentStore store = new FileContentStore(root);
        ContentRef small = Contents.store(store, "hello".getBytes(StandardCharsets.UTF_8), "text/plain");
        assertEquals("data:text/plain;base64,aGVsbG8=", small.uri());
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), Contents.read(store, small));
        assertTrue(Contents.store(store, randomBytes(Contents.INLINE_LIMIT), "x/y").uri().startsWith("data:"));
        assertTrue(Contents.store(store, randomBytes(Contents.INLINE_LIMIT + 1), "x/y").uri().startsWith("store:sha256:"));
    }

    @Test
    void aCorruptedBlobIsDetectedOnRead() throws IOException {
        FileContentStore store = new FileContentStore(root);
        ContentRef ref = store.put(randomBytes(100_000), "application/octet-stream");
        Path blob = store.blobPath(ref.sha256());
        byte[] corrupted = Files.readAllBytes(blob);
        corrupted[500] ^= 0x01;
        Files.write(blob, corrupted);
        ContentIntegrityException e = assertThrows(ContentIntegrityException.class, () -> Contents.read(store, ref));
        assertTrue(e.getMessage().contains("corrupted"), e.getMessage());
    }

    @Test
    void corruptedInlineContentIsDetected() {
        ContentRef ref = new ContentRef(Contents.dataUri("text/plain", "hello".getBytes(StandardCharsets.UTF_8)), "text/plain", 5,
                Hashing.sha256Hex("HELLO".getBytes(StandardCharsets.UTF_8)));
        assertThrows(ContentIntegrityException.class, () -> Contents.read(new FileContentStore(root), ref));
    }

    @Test
    void aCrashBetweenWriteAndRenameLeavesNoBlobUnderItsFinalName() throws IOException {
        FileContentStore crashing = new FileContentStore(root, temp -> {
            assertTrue(Files.size(temp) > 0, "the temporary file is written and flushed before the rename");
            throw new IOException("simulated crash before rename");
        });
        byte[] bytes = randomBytes(100_000);
        assertThrows(ContentStoreException.class, () -> crashing.put(bytes, "application/octet-stream"));
        FileContentStore store = new FileContentStore(root);
        assertFalse(store.contains(Hashing.sha256Hex(bytes)));
        try (Stream<Path> blobs = Files.walk(root.resolve("sha256"))) {
            assertEquals(0, blobs.filter(Files::isRegularFile).count());
        }
        ContentRef ref = store.put(bytes, "application/octet-stream");
        assertArrayEquals(bytes, Contents.read(store, ref), "a retried write succeeds");
    }

    @Test
    void unknownOrMissingContentGivesAClearError() {
        FileContentStore store = new FileContentStore(root);
        ContentStoreException missing = assertThrows(ContentStoreException.class,
                () -> store.open("0".repeat(64)));
        assertTrue(missing.getMessage().contains("not in the store"), missing.getMessage());
        assertThrows(ContentStoreException.class, () -> store.open("../../etc/passwd"));
        assertThrows(ContentStoreException.class,
                () -> Contents.read(store, new ContentRef("http://example/x", "x/y", 1, null)));
    }

    @Test
    void aDirectoryIsStoredAsOneTarAndUnpacksIdentically() throws IOException {
        Path model = root.resolve("model");
        Files.createDirectories(model.resolve("variables"));
        Files.write(model.resolve("saved_model.pb"), randomBytes(70_000));
        Files.writeString(model.resolve("variables/variables.index"), "index");
        FileContentStore store = new FileContentStore(root.resolve("store"));
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
