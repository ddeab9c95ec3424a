package dev.tffashion.pipeline.store;

/** A content store failure: missing, unreadable or corrupted content, or a URI the store does not understand. */
public class ContentStoreException extends RuntimeException {

    public ContentStoreException(String message) {
        super(message);
    }

    public ContentStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
