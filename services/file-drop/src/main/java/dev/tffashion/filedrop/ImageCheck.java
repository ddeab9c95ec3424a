package dev.tffashion.filedrop;

import java.util.Locale;

import dev.tffashion.imaging.ImageDecoder;
import dev.tffashion.imaging.ImageFormat;
import dev.tffashion.imaging.ImageHeader;
import dev.tffashion.imaging.ImageRejectedException;
import dev.tffashion.imaging.PreprocessorOptions;

/**
 * Checks that dropped bytes are a picture the pipeline can convert, with libs/imaging's {@link ImageDecoder} that image-convert
 * decodes with: the same formats (sniffed from the bytes, never from the Content-Type), the same pixel limit and the same
 * completeness rules. Only the header is read: the format, the size (limited before anything is decoded) and the container's
 * end (a truncated file is refused); the pixels are decoded once, by image-convert.
 */
public final class ImageCheck {

    /** What the check found: the detected format, its media type and the dimensions. */
    public record Image(String format, String mediaType, int width, int height) {
    }

    private ImageCheck() {
    }

    /**
     * Inspects a dropped picture.
     *
     * @throws DropRefusedException 400 empty, 415 not a picture or a format not decoded, 422 truncated or damaged header, 413
     *                              more pixels than {@code maxPixels}
     */
    public static Image check(byte[] bytes, long maxPixels) {
        ImageHeader header;
        try {
            header = new ImageDecoder(maxPixels, PreprocessorOptions.DEFAULT_MAX_DECODE_SIDE).inspect(bytes);
        } catch (ImageRejectedException e) {
            throw refusal(e);
        }
        ImageFormat format = header.format();
        return new Image(format.name().toLowerCase(Locale.ROOT), format.mediaType(), header.width(), header.height());
    }

    private static DropRefusedException refusal(ImageRejectedException e) {
        return switch (e.reason()) {
            case EMPTY -> new DropRefusedException(400, "empty", e.getMessage(),
                    "send the picture's bytes: curl --data-binary @garment.png http://localhost:8080/imageInput");
            case NOT_AN_IMAGE, SVG -> new DropRefusedException(415, "not-an-image", e.getMessage(),
                    "send a " + ImageFormat.SUPPORTED + " picture of one garment");
            case UNSUPPORTED_FORMAT -> new DropRefusedException(415, "unsupported-format", e.getMessage(),
                    "convert the picture to PNG or JPEG (or another of " + ImageFormat.SUPPORTED + ")");
            case TOO_MANY_PIXELS -> new DropRefusedException(413, "too-many-pixels", e.getMessage(),
                    "scale the picture down; 28x28 is all the model sees");
            case TRUNCATED, CORRUPT, BLANK -> new DropRefusedException(422, "undecodable-image", e.getMessage(),
                    "send the complete file again, or re-save it as PNG or JPEG");
        };
    }
}
