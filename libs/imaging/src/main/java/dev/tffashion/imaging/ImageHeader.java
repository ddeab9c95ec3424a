package dev.tffashion.imaging;

/**
 * What a picture's header says, read without building a pixel: its format and size. {@link ImageDecoder#inspect} returns
 * one only for a picture that is complete and within the pixel limit.
 *
 * @param format the format recognised from the first bytes
 * @param width  width in pixels, as the header gives it
 * @param height height in pixels, as the header gives it
 */
public record ImageHeader(ImageFormat format, int width, int height) {

    /** {@code width * height}. */
    public long pixels() {
        return (long) width * height;
    }
}
