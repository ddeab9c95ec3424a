package dev.tffashion.imaging;

/** A picture that cannot be turned into a tensor; the message says what was wrong and what to send instead. */
public class ImageRejectedException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why a picture was refused; stable names, used on the dead-letter topic. */
    public enum Reason {
        /** No bytes at all. */
        EMPTY,
        /** The bytes match no picture format. */
        NOT_AN_IMAGE,
        /** A known picture format that is not decoded here (HEIF, AVIF, PDF, ...). */
        UNSUPPORTED_FORMAT,
        /** A vector drawing: refused, it would have to be rendered first. */
        SVG,
        /** The file ends before the picture does. */
        TRUNCATED,
        /** The header says a supported format but the data is damaged. */
        CORRUPT,
        /** The header announces more pixels than the configured limit (a decompression bomb, or just too big). */
        TOO_MANY_PIXELS,
        /** The picture is (almost) one uniform colour: there is no garment to see. */
        BLANK
    }

    private final Reason reason;

    public ImageRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ImageRejectedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** The kind of problem. */
    public Reason reason() {
        return reason;
    }
}
