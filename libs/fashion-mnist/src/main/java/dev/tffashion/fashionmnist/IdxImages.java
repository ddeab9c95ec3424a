package dev.tffashion.fashionmnist;

/**
 * The content of an IDX image file (magic 0x00000803): {@code count} images of {@code rows x columns} unsigned bytes,
 * row-major, image after image.
 */
public record IdxImages(int count, int rows, int columns, byte[] pixels) {

    /** Pixels per image. */
    public int imageSize() {
        return rows * columns;
    }
}
