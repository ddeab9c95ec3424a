package dev.tffashion.pipeline.store;

/** Content whose bytes do not hash to the checksum it was stored or announced under: never handed to a reader. */
public class ContentIntegrityException extends ContentStoreException {

    public ContentIntegrityException(String message) {
        super(message);
    }
}
