package dev.tffashion.fashionmnist;

/** Fashion-MNIST could not be found or verified; the message says where it looked and how to get the data. */
public class DatasetUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DatasetUnavailableException(String message) {
        super(message);
    }
}
