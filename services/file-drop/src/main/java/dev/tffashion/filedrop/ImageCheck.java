package dev.tffashion.filedrop;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Checks that dropped bytes are a picture the pipeline can convert: the format is sniffed from the bytes (never from the
 * Content-Type), the pixel count is read from the header and limited before anything is decoded, then the image is decoded once
 * to refuse truncated or corrupted files.
 */
public final class ImageCheck {

    /** What the check found: the detected format, its media type and the dimensions. */
    public record Image(String format, String mediaType, int width, int height) {
    }

    private ImageCheck() {
    }

    public static Image check(byte[] bytes, long maxPixels) {
        if (bytes.length == 0) {
            throw new DropRefusedException(400, "empty", "the request body is empty",
                    "send the picture's bytes: curl --data-binary @garment.png http://localhost:8080/imageInput");
        }
        Format format = Format.sniff(bytes);
        if (format == null) {
            String what = looksLikeSvgOrText(bytes) ? "text (SVG and other text formats are not pictures here)"
                    : "not a known image format";
            throw new DropRefusedException(415, "not-an-image", "the body is " + what,
                    "send a PNG, JPEG, GIF or BMP picture of one garment");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.readerName);
            if (!readers.hasNext()) {
                throw new DropRefusedException(415, "unsupported-format", format.name() + " pictures are not supported by this server",
                        "convert the picture to PNG or JPEG");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if ((long) width * height > maxPixels) {
                    throw new DropRefusedException(413, "too-many-pixels",
                            "the picture is " + width + "x" + height + " (" + (long) width * height + " pixels), more than the limit of "
                                    + maxPixels + " pixels",
                            "scale the picture down; 28x28 is all the model sees");
                }
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage image = reader.read(0);
                if (image == null) {
                    throw new IOException("no image data");
                }
                for (String warning : warnings) {
                    if (warning.toLowerCase(java.util.Locale.ROOT).contains("premature end")) {
                        throw new IOException(warning);
                    }
                }
                return new Image(format.name().toLowerCase(java.util.Locale.ROOT), format.mediaType, width, height);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof DropRefusedException refused) {
                throw refused;
            }
            throw new DropRefusedException(422, "undecodable-image",
                    "the " + format.name() + " picture cannot be decoded (truncated or corrupted): " + e.getMessage(),
                    "send the complete file again");
        }
    }

    private static boolean looksLikeSvgOrText(byte[] bytes) {
        int n = Math.min(bytes.length, 512);
        for (int i = 0; i < n; i++) {
            int b = bytes[i] & 0xff;
            if (b < 0x09 || (b > 0x0d && b < 0x20)) {
                return false;
            }
        }
        return true;
    }

    /** The picture formats the pipeline accepts, recognised by their magic bytes. */
    enum Format {
        PNG("png", "image/png"),
        JPEG("jpeg", "image/jpeg"),
        GIF("gif", "image/gif"),
        BMP("bmp", "image/bmp"),
        WEBP("webp", "image/webp"),
        TIFF("tiff", "image/tiff");

        final String readerName;
        final String mediaType;

        Format(String readerName, String mediaType) {
            this.readerName = readerName;
            this.mediaType = mediaType;
        }

        static Format sniff(byte[] b) {
            if (startsWith(b, 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a)) {
                return PNG;
            }
            if (startsWith(b, 0xff, 0xd8, 0xff)) {
                return JPEG;
            }
            if (startsWith(b, 'G', 'I', 'F', '8')) {
                return GIF;
            }
            if (startsWith(b, 'B', 'M') && b.length > 26) {
                return BMP;
            }
            if (startsWith(b, 'R', 'I', 'F', 'F') && b.length > 12 && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
                return WEBP;
            }
            if (startsWith(b, 'I', 'I', 0x2a, 0) || startsWith(b, 'M', 'M', 0, 0x2a)) {
                return TIFF;
            }
            return null;
        }

        private static boolean startsWith(byte[] bytes, int... prefix) {
            if (bytes.length < prefix.length) {
                return false;
            }
            for (int i = 0; i < prefix.length; i++) {
                if ((bytes[i] & 0xff) != prefix[i]) {
                    return false;
                }
            }
            return true;
        }
    }
}
