package dev.tffashion.pipeline.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;

/**
 * The content store on a (shared) folder: {@code <root>/sha256/<2 hex>/<64 hex>}. A blob is written to {@code <root>/tmp/},
 * flushed to disk, then atomically renamed, so a crash never leaves a half-written blob under its final name. A put of bytes
 * already stored renews the blob's modification time, the age an age-based clean-up counts from (docs/content-store.md).
 */
public final class FileContentStore implements ContentStore {

    private final Path root;
    private final Path tmp;
    private final BeforeRename beforeRename;

    public FileContentStore(Path root) {
        this(root, path -> {
        });
    }

    FileContentStore(Path root, BeforeRename beforeRename) {
        this.root = root.toAbsolutePath().normalize();
        this.tmp = this.root.resolve("tmp");
        this.beforeRename = beforeRename;
        try {
            Files.createDirectories(this.root.resolve("sha256"));
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new ContentStoreException("cannot create the content store at " + this.root
                    + ": check that the folder is writable (tf-fashion.store.root)", e);
        }
    }

    @Override
    public ContentRef put(InputStream content, String mediaType) {
        Path temp = tmp.resolve(UUID.randomUUID() + ".part");
        try {
            MessageDigest digest = Hashing.sha256();
            long size = 0;
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    OutputStream out = Channels.newOutputStream(channel)) {
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = content.read(buffer)) > 0) {
                    digest.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                    size += n;
                }
                out.flush();
                channel.force(true);
            }
            String hex = HexFormat.of().formatHex(digest.digest());
            Path target = blobPath(hex);
            if (Files.exists(target)) {
                Files.deleteIfExists(temp);
                // a value written now references the blob: an age-based clean-up counts from now (docs/content-store.md)
                Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
            } else {
                Files.createDirectories(target.getParent());
                beforeRename.run(temp);
                moveAtomically(temp, target);
            }
            return new ContentRef(URI_PREFIX + hex, mediaType, size, hex);
        } catch (IOException e) {
            deleteQuietly(temp);
            if (ContentStoreFullException.isNoSpace(e)) {
                throw new ContentStoreFullException("the content store at " + root + " is full (" + e.getMessage() + "): free space"
                    + " on its file system, or give it a larger one", e);
            }
            throw new ContentStoreException("cannot write to the content store at " + root + ": " + e.getMessage(), e);
        }
    }

    private static void moveAtomically(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(temp);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the store folder does not support atomic renames; use a local or POSIX shared file system", e);
        }
    }

    @Override
    public InputStream open(String sha256) {
        Path path = blobPath(Hashing.requireSha256Hex(sha256));
        try {
            return new VerifyingInputStream(Files.newInputStream(path), sha256, path.toString());
        } catch (NoSuchFileException e) {
            throw new ContentStoreException("content sha256:" + sha256 + " is not in the store at " + root
                    + ": the services must share one store folder (tf-fashion.store.root)", e);
        } catch (IOException e) {
            throw new ContentStoreException("cannot read content sha256:" + sha256 + " from " + root + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean contains(String sha256) {
        return Files.isRegularFile(blobPath(Hashing.requireSha256Hex(sha256)));
    }

    @Override
    public String location() {
        return root.toString();
    }

    /** The final path of a blob. */
    Path blobPath(String hex) {
        return root.resolve("sha256").resolve(hex.substring(0, 2)).resolve(hex);
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a leftover temporary file never carries a final name; it is harmless
        }
    }

    /** Test hook between flush and rename, to simulate a crash there. */
    interface BeforeRename {
        void run(Path temp) throws IOException;
    }
}
