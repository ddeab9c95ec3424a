package dev.tffashion.imageconvert;

import dev.tffashion.imaging.ImageRejectedException;
import dev.tffashion.pipeline.RefusedException;

/**
 * A dropped value that imageConvert cannot turn into a tensor, for good: it goes to the dead-letter topic with
 * {@link #code()} and the message, and counts as failed. Retrying would give the same answer.
 */
public class ConversionException extends RefusedException {

    private static final long serialVersionUID = 1L;

    /** The record is not an annotated value (not JSON, or fields missing). */
    public static final String MALFORMED_VALUE = RefusedException.MALFORMED_VALUE;
    /** The annotated value is not of type imageFile. */
    public static final String WRONG_TYPE = "WRONG_TYPE";
    /** The value's content cannot be read, or does not match its checksum. */
    public static final String CONTENT_UNREADABLE = "CONTENT_UNREADABLE";

    private final String code;

    public ConversionException(String code, String message, Throwable cause) {
        super(code, message, cause);
        this.code = code;
    }

    /** A refused picture: the code is the {@link ImageRejectedException.Reason} name. */
    public static ConversionException of(ImageRejectedException e, String what) {
        return new ConversionException(e.reason().name(), what + ": " + e.getMessage(), e);
    }

    /** A stable, machine-readable reason: {@link ImageRejectedException.Reason} names or the constants of this class. */
    public String code() {
        return code;
    }
}
