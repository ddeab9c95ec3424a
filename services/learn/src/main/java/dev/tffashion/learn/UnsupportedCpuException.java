package dev.tffashion.learn;

/** The CPU cannot run TensorFlow (no AVX); the message says how to fix it. */
public class UnsupportedCpuException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public UnsupportedCpuException(String message) {
        super(message);
    }
}
