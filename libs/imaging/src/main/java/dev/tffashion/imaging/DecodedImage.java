package dev.tffashion.imaging;

import java.awt.image.BufferedImage;

/**
 * A picture decoded once, as {@link ImageDecoder#decode} makes it.
 *
 * @param header      the format and the source size (before subsampling)
 * @param image       the pixels, subsampled while decoding when the source is large
 * @param subsampling the decoding step (1: every pixel was read)
 * @param orientation the EXIF orientation 1..8 the pixels are stored in (1: upright; only JPEG carries one here)
 */
public record DecodedImage(ImageHeader header, BufferedImage image, int subsampling, int orientation) {
}
