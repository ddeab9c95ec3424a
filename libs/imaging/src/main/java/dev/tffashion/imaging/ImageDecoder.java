package dev.tffashion.imaging;

import com.twelvemonkeys.imageio.plugins.tiff.TIFFImageReaderSpi;
import com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi;
import dev.tffashion.imaging.ImageRejectedException.Reason;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * The one image decoder of the pipeline, for file-drop's check at the door and for image-convert behind it: the same formats,
 * the same pixel limit and the same completeness rules on both sides, so that a picture accepted at the door is decodable
 * downstream.
 *
 * <p>{@link #inspect} reads only what the header says (format from the first bytes, width and height from ImageIO's reader,
 * the container's end from its structure) and builds no pixel; {@link #decode} does the same checks, then decodes the
 * pixels once, subsampled when the source is large. PNG, JPEG, GIF and BMP use the JDK's readers (a CMYK or YCCK JPEG's
 * samples are turned into RGB by {@link CmykJpeg}); WebP and TIFF TwelveMonkeys', instantiated directly (not found by service
 * scanning, so class loaders do not matter).
 *
 * <p>Thread-safe and stateless: one instance serves concurrent calls.
 */
public final class ImageDecoder {

    private static final int HEX_PREVIEW_BYTES = 8;

    private final long maxPixels;
    private final int maxDecodeSide;

    /**
     * @param maxPixels     largest width x height accepted, checked from the header before decoding
     * @param maxDecodeSide larger sources are subsampled while decoding so that their longest side is at most this
     */
    public ImageDecoder(long maxPixels, int maxDecodeSide) {
        this.maxPixels = maxPixels;
        this.maxDecodeSide = maxDecodeSide;
    }

    /** A decoder with the preprocessing options' limits. */
    public ImageDecoder(PreprocessorOptions options) {
        this(options.maxPixels(), options.maxDecodeSide());
    }

    /**
     * Checks a picture without decoding its pixels: a known format that is decoded here, complete, with a sensible size
     * within the pixel limit.
     *
     * @throws ImageRejectedException when the picture would be refused by {@link #decode} before its pixels are read
     */
    public ImageHeader inspect(byte[] bytes) throws ImageRejectedException {
        ImageFormat format = recognise(bytes);
        ImageReader reader = readerFor(format);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            return header(format, reader, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("closing an in-memory stream", e);
        } finally {
            reader.dispose();
        }
    }

    /**
     * Decodes a picture once, after the checks of {@link #inspect}; sources longer than the decode side are subsampled while
     * decoding.
     *
     * @throws ImageRejectedException when the bytes are not a usable picture; the message says what to send instead
     */
    public DecodedImage decode(byte[] bytes) throws ImageRejectedException {
        ImageFormat format = recognise(bytes);
        ImageReader reader = readerFor(format);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            ImageHeader header = header(format, reader, bytes);
            int step = (Math.max(header.width(), header.height()) + maxDecodeSide - 1) / maxDecodeSide;
            ImageReadParam param = reader.getDefaultReadParam();
            if (step > 1) param.setSourceSubsampling(step, step, 0, 0);
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            BufferedImage image;
            try {
                boolean fourComponents = format == ImageFormat.JPEG && CmykJpeg.components(bytes) == 4;
                image = fourComponents ? CmykJpeg.read(reader, param, bytes) : reader.read(0, param);
            } catch (IOException | RuntimeException e) {
                throw damaged(format, bytes, e);
            }
            for (String warning : warnings) {
                if (isTruncation(warning)) throw truncated(format, bytes.length);
            }
            int orientation = format == ImageFormat.JPEG ? ExifOrientation.of(bytes) : 1;
            return new DecodedImage(header, image, step, orientation);
        } catch (IOException e) {
            throw new UncheckedIOException("closing an in-memory stream", e);
        } finally {
            reader.dispose();
        }
    }

    private static ImageFormat recognise(byte[] bytes) throws ImageRejectedException {
        if (bytes == null || bytes.length == 0) {
            throw new ImageRejectedException(Reason.EMPTY,
                "The picture is empty (0 bytes): send the file's content, a " + ImageFormat.SUPPORTED + " picture of one garment.");
        }
        ImageFormat format = ImageFormat.sniff(bytes);
        if (format == null) {
            throw new ImageRejectedException(Reason.NOT_AN_IMAGE, "This is not a picture: " + bytes.length
                + " bytes starting with " + hex(bytes) + " match no image format. Send a " + ImageFormat.SUPPORTED
                + " picture of one garment.");
        }
        if (format == ImageFormat.SVG) {
            throw new ImageRejectedException(Reason.SVG, "SVG drawings are not accepted: a vector drawing would have"
                + " to be rendered first, and SVG can reference other files. Export it as PNG and send that.");
        }
        if (!format.decodable()) {
            throw new ImageRejectedException(Reason.UNSUPPORTED_FORMAT, "This is a " + format.displayName()
                + " file (" + format.mediaType() + "), which is not decoded here. Convert it to PNG or JPEG"
                + " (or another of " + ImageFormat.SUPPORTED + ") and send that.");
        }
        if (!Completeness.complete(format, bytes)) throw truncated(format, bytes.length);
        return format;
    }

    /** The size from the header, checked against the limit before any pixel is decoded (decompression bombs). */
    private ImageHeader header(ImageFormat format, ImageReader reader, byte[] bytes) throws ImageRejectedException {
        int width;
        int height;
        try {
            width = reader.getWidth(0);
            height = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
            throw damaged(format, bytes, e);
        }
        if (width <= 0 || height <= 0) {
            throw new ImageRejectedException(Reason.CORRUPT, "The " + format.displayName() + " header gives a size of "
                + width + "x" + height + " pixels, which is impossible: re-save the picture and send it again.");
        }
        long pixelCount = (long) width * height;
        if (pixelCount > maxPixels) {
            throw new ImageRejectedException(Reason.TOO_MANY_PIXELS, String.format(Locale.ROOT,
                "The %s picture is %d x %d = %,d pixels, more than the limit of %,d pixels (checked before decoding,"
                    + " against decompression bombs). Scale it down, a few hundred pixels a side is plenty, and send it again.",
                format.displayName(), width, height, pixelCount, maxPixels));
        }
        return new ImageHeader(format, width, height);
    }

    private static ImageReader readerFor(ImageFormat format) throws ImageRejectedException {
        try {
            switch (format) {
                case WEBP:
                    return new WebPImageReaderSpi().createReaderInstance();
                case TIFF:
                    return new TIFFImageReaderSpi().createReaderInstance();
                default:
                    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.name().toLowerCase(Locale.ROOT));
                    if (readers.hasNext()) return readers.next();
                    throw new ImageRejectedException(Reason.UNSUPPORTED_FORMAT, "No " + format.displayName()
                        + " decoder is installed in this service: send a PNG or JPEG instead.");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("creating a " + format.displayName() + " reader", e);
        }
    }

    /** A reader's error as TRUNCATED (the file ends early, by the exception or the file's last bytes) or CORRUPT. */
    private static ImageRejectedException damaged(ImageFormat format, byte[] bytes, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EOFException || (t.getMessage() != null && isTruncation(t.getMessage()))) {
                return truncated(format, bytes.length);
            }
        }
        if (Completeness.endsEarly(format, bytes)) return truncated(format, bytes.length);
        String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new ImageRejectedException(Reason.CORRUPT, "The file starts like a " + format.displayName()
            + " picture but cannot be decoded (" + detail + "): the data is damaged. Re-save the picture as PNG or JPEG"
            + " and send it again.", e);
    }

    /** ImageIO readers report data cut short only in the words of their messages and warnings. */
    private static boolean isTruncation(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("premature end") || m.contains("unexpected end") || m.contains("truncat") || m.contains("end of file")
            || m.contains("eof");
    }

    private static ImageRejectedException truncated(ImageFormat format, int size) {
        return new ImageRejectedException(Reason.TRUNCATED, "The " + format.displayName() + " picture is cut short: the file"
            + " ends after " + size + " bytes, before the picture does. Upload the complete file again.");
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(HEX_PREVIEW_BYTES, bytes.length); i++) {
            s.append(String.format(Locale.ROOT, "%02x", bytes[i] & 0xFF));
        }
        return s.toString();
    }
}
