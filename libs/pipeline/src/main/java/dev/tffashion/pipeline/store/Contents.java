package dev.tffashion.pipeline.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import dev.tffashion.pipeline.AnnotatedValue;

/**
 * Content of annotated values: at most {@value #INLINE_LIMIT} bytes travel inline as a {@code data:} URI, anything larger goes
 * to the content store (claim check). Every read verifies size and SHA-256. Directories (models) are stored as one tar.
 */
public final class Contents {

    /** Content up to this many bytes is inlined in the record as a {@code data:} URI. */
    public static final int INLINE_LIMIT = 64 * 1024;

    /** Media type of a directory stored as a tar archive. */
    public static final String TAR = "application/x-tar";

    private static final String BASE64_MARKER = ";base64,";

    private Contents() {
    }

    /** Stores content: inline when small, else in the store. */
    public static ContentRef store(ContentStore store, byte[] bytes, String mediaType) {
        if (bytes.length <= INLINE_LIMIT) {
            return inline(bytes, mediaType);
        }
        return store.put(bytes, mediaType);
    }

    /** Content inline as a {@code data:} URI, whatever its size (for small documents that never need the store). */
    public static ContentRef inline(byte[] bytes, String mediaType) {
        return new ContentRef(dataUri(mediaType, bytes), mediaType, bytes.length, Hashing.sha256Hex(bytes));
    }

    /** The {@code data:} URI for bytes. */
    public static String dataUri(String mediaType, byte[] bytes) {
        return "data:" + (mediaType == null ? "application/octet-stream" : mediaType) + ";base64,"
                + Base64.getEncoder().encodeToString(bytes);
    }

    /** Reads a value's content completely, verified against its size and checksum. */
    public static byte[] read(ContentStore store, AnnotatedValue value) {
        return read(store, ContentRef.of(value));
    }

    /** Reads content completely, verified against its size and checksum. */
    public static byte[] read(ContentStore store, ContentRef ref) {
        try (InputStream in = open(store, ref)) {
            byte[] bytes = in.readAllBytes();
            if (ref.size() > 0 && bytes.length != ref.size()) {
                throw new ContentIntegrityException("content " + describe(ref) + " has " + bytes.length + " bytes, not the "
                        + ref.size() + " announced");
            }
            return bytes;
        } catch (IOException e) {
            throw new ContentStoreException("cannot read content " + describe(ref) + ": " + e.getMessage(), e);
        }
    }

    /** Opens content as a stream; the stream verifies the checksum when read to its end. */
    public static InputStream open(ContentStore store, ContentRef ref) {
        String uri = ref.uri();
        if (uri == null) {
            throw new ContentStoreException("the value has no data URI");
        }
        if (uri.startsWith(ContentStore.URI_PREFIX)) {
            String hex = uri.substring(ContentStore.URI_PREFIX.length());
            if (ref.sha256() != null && !ref.sha256().equals(hex)) {
                throw new ContentIntegrityException("value announces sha256:" + ref.sha256() + " but points to " + uri);
            }
            return store.open(hex);
        }
        if (uri.startsWith("data:")) {
            byte[] bytes = decodeDataUri(uri);
            if (ref.sha256() != null && !Hashing.sha256Hex(bytes).equals(ref.sha256())) {
                throw new ContentIntegrityException("inline content does not hash to the announced sha256:" + ref.sha256());
            }
            return new ByteArrayInputStream(bytes);
        }
        throw new ContentStoreException("unsupported content URI '" + abbreviate(uri) + "': expected data: or " + ContentStore.URI_PREFIX);
    }

    /**
     * The bytes of a {@code data:<media-type>;base64,<data>} URI. The media type may hold commas (a tensor's {@code shape=28,28}):
     * the data starts after the last {@code ;base64,}, which base64 itself never contains. Found by searching forward from the
     * first (a tensor's marker is near the start, and {@code String.indexOf} is a vector intrinsic where {@code lastIndexOf},
     * scanning back over every base64 character, is not), and decoded from one Latin-1 copy of the URI, not two.
     */
    public static byte[] decodeDataUri(String uri) {
        int marker = uri.indexOf(BASE64_MARKER);
        if (!uri.startsWith("data:") || marker < 0) {
            throw new ContentStoreException("not a base64 data URI: '" + abbreviate(uri) + "'");
        }
        for (int next = uri.indexOf(BASE64_MARKER, marker + 1); next >= 0; next = uri.indexOf(BASE64_MARKER, next + 1)) {
            marker = next;
        }
        int start = marker + BASE64_MARKER.length();
        try {
            // Base64 is ASCII: the decoder reads the Latin-1 bytes of a String too, and rejects what is not base64 either way
            ByteBuffer decoded = Base64.getDecoder().decode(ByteBuffer.wrap(uri.getBytes(StandardCharsets.ISO_8859_1), start,
                    uri.length() - start));
            byte[] bytes = decoded.array();
            return decoded.arrayOffset() == 0 && decoded.remaining() == bytes.length ? bytes
                    : Arrays.copyOfRange(bytes, decoded.arrayOffset() + decoded.position(), decoded.arrayOffset() + decoded.limit());
        } catch (IllegalArgumentException e) {
            throw new ContentStoreException("data URI is not valid base64: " + e.getMessage(), e);
        }
    }

    /** Stores a directory as one tar archive (always in the store: models exceed the inline limit). */
    public static ContentRef storeDirectory(ContentStore store, Path dir) {
        try (PipedInputStream in = new PipedInputStream(256 * 1024)) {
            PipedOutputStream out = new PipedOutputStream(in);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try (out) {
                    writeTar(dir, out);
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "tar-" + dir.getFileName());
            writer.start();
            ContentRef ref = store.put(in, TAR);
            writer.join();
            if (failure.get() != null) {
                throw new ContentStoreException("cannot archive " + dir + ": " + failure.get().getMessage(), failure.get());
            }
            return ref;
        } catch (IOException e) {
            throw new ContentStoreException("cannot archive " + dir + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContentStoreException("interrupted while archiving " + dir, e);
        }
    }

    /** Writes a directory's regular files and folders as a tar with relative, sorted entry names. */
    public static void writeTar(Path dir, java.io.OutputStream out) throws IOException {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out); Stream<Path> walk = Files.walk(dir)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            List<Path> paths = walk.filter(p -> !p.equals(dir)).sorted().toList();
            for (Path path : paths) {
                String name = dir.relativize(path).toString().replace('\\', '/');
                if (Files.isDirectory(path)) {
                    TarArchiveEntry entry = new TarArchiveEntry(name + "/");
                    entry.setModTime(0);
                    tar.putArchiveEntry(entry);
                    tar.closeArchiveEntry();
                } else if (Files.isRegularFile(path)) {
                    TarArchiveEntry entry = new TarArchiveEntry(name);
                    entry.setSize(Files.size(path));
                    entry.setModTime(0);
                    tar.putArchiveEntry(entry);
                    Files.copy(path, tar);
                    tar.closeArchiveEntry();
                }
            }
            tar.finish();
        }
    }

    /**
     * Unpacks a tar into a folder. Entries that would escape the folder (absolute names, {@code ..}), links and devices are refused.
     */
    public static void extractTar(InputStream archive, Path target) {
        Path base = target.toAbsolutePath().normalize();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(archive)) {
            Files.createDirectories(base);
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path out = base.resolve(entry.getName()).normalize();
                if (!out.startsWith(base) || entry.getName().startsWith("/")) {
                    throw new ContentStoreException("archive entry '" + entry.getName() + "' points outside the target folder");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else if (entry.isFile()) {
                    Files.createDirectories(out.getParent());
                    Files.copy(tar, out);
                } else {
                    throw new ContentStoreException("archive entry '" + entry.getName() + "' is a link or device; only files and folders");
                }
            }
            archive.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the archive into " + base + ": " + e.getMessage(), e);
        }
    }

    private static String describe(ContentRef ref) {
        return ref.uri() != null && ref.uri().startsWith(ContentStore.URI_PREFIX) ? ref.uri() : "sha256:" + ref.sha256();
    }

    private static String abbreviate(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "..." : text;
    }
}
