package dev.tffashion.fashionmnist;

import java.io.IOException;

/** A file that is not the IDX file it should be (wrong magic number, truncated, inconsistent sizes). */
public class IdxFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    public IdxFormatException(String message) {
        super(message);
    }
}
