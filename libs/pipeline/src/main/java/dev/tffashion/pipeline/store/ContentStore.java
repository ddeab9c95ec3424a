package dev.tffashion.pipeline.store;

import java.io.InputStream;
import java.nio.file.Path;

/**
 * Immutable, content-addressed storage for the payloads that do not travel on Kafka (claim check). Blobs are named by the SHA-256
 * of their bytes and verified on every read. Behind an interface so that an object store can replace the shared folder.
 */
public interface ContentStore {

    /** The URI scheme prefix of stored blobs: {@code store:sha256:<64 hex>}. */
    String URI_PREFIX = "store:sha256:";

    /** Stores the stream's bytes (idempotent: the same bytes give the same URI) and returns the reference. */
    ContentRef put(InputStream content, String mediaType);

    /** Stores bytes. */
    default ContentRef put(byte[] content, String mediaType) {
        return put(new java.io.ByteArrayInputStream(content), mediaType);
    }

    /** Opens a blob by its hex SHA-256; the stream fails with {@link ContentIntegrityException} at its end if the hash differs. */
    InputStream open(String sha256);

    /** Whether the blob exists. */
    boolean contains(String sha256);

    /** The folder or bucket this store writes to, for messages and health. */
    String location();

    /** A store rooted at a folder shared by the services. */
    static ContentStore atFolder(Path root) {
        return new FileContentStore(root);
    }
}
