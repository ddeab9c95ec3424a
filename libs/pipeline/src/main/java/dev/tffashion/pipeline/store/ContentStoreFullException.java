package dev.tffashion.pipeline.store;

import java.util.Locale;

/**
 * The content store has no room for new content: its file system is full or a quota is used up. Nothing was stored; the same
 * write succeeds once space is freed. A caller that answers a user says so (file-drop answers {@code 507 Insufficient Storage}).
 */
public class ContentStoreFullException extends ContentStoreException {

    public ContentStoreFullException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Whether a failure, or one of its causes, is the operating system's "no space left on device" (ENOSPC) or "disk quota
     * exceeded" (EDQUOT). Java reports neither as a type of its own, only in the message (the C library's text for the error).
     */
    public static boolean isNoSpace(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (message.contains("no space left on device") || message.contains("disk quota exceeded")) {
                return true;
            }
        }
        return false;
    }
}
