package dev.tffashion.imageconvert;

import com.twelvemonkeys.imageio.plugins.tiff.TIFFImageReaderSpi;
import com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi;
import dev.tffashion.imageconvert.ImageRejectedException.Reason;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The preprocessing contract shared by training and prediction: turns the bytes of a picture of one garment into the
 * model's input, 28x28 gray values in [0,1], light garment on a dark background, as Fashion-MNIST stores its images.
 *
 * <p>Steps: recognise the format from the bytes; check the pixel count from the header; decode (subsampled when
 * large); flatten transparency onto white; gray by luma (0.299 R + 0.587 G + 0.114 B); estimate the background from
 * the border and invert when it is light; crop to the garment; scale the longest side to 28 (area averaging);
 * place on a dark 28x28 canvas; stretch so the brightest pixel is 1. A 28x28 grayscale picture is only inverted when
 * its background is light, never cropped, scaled or stretched: a Fashion-MNIST image gives exactly {@code pixel / 255f}.
 *
 * <p>Thread-safe and stateless: one instance serves concurrent calls.
 */
public final class Preprocessor {

    private static final int SIDE = ImageTensor.SIDE;
    private static final float LUMA_R = 0.299f;
    private static final float LUMA_G = 0.587f;
    private static final float LUMA_B = 0.114f;
    /** Background brighter than this (0..255) counts as light: the picture is dark on light and gets inverted. */
    private static final float LIGHT_BACKGROUND = 128f;
    /** The contrast estimate ignores up to this many brightest pixels (specks, hot pixels). */
    private static final int CONTRAST_OUTLIERS = 24;
    private static final int HEX_PREVIEW_BYTES = 8;

    private final PreprocessorOptions options;

    public Preprocessor(PreprocessorOptions options) {
        this.options = options;
    }

    /** A preprocessor with {@link PreprocessorOptions#defaults()}. */
    public Preprocessor() {
        this(PreprocessorOptions.defaults());
    }

    /** The settings in use. */
    public PreprocessorOptions options() {
        return options;
    }

    /**
     * Converts a picture.
     *
     * @param bytes the complete file, in any supported format (recognised from its content)
     * @return the 28x28 tensor, its preview and notes
     * @throws ImageRejectedException when the bytes are not a usable picture; the message says what to send instead
     */
    public ImageTensor preprocess(byte[] bytes) throws ImageRejectedException {
        ImageFormat format = recognise(bytes);
        Decoded decoded = decode(format, bytes);
        Gray gray = Gray.of(decoded.image());
        if (format == ImageFormat.JPEG) {
            gray = gray.oriented(ExifOrientation.of(bytes));
        }

        Map<String, String> notes = new LinkedHashMap<>();
        notes.put(ImageTensor.Notes.SOURCE_FORMAT, format.displayName());
        notes.put(ImageTensor.Notes.SOURCE_WIDTH, Integer.toString(decoded.sourceWidth()));
        notes.put(ImageTensor.Notes.SOURCE_HEIGHT, Integer.toString(decoded.sourceHeight()));
        if (decoded.subsampling() > 1) notes.put(ImageTensor.Notes.SUBSAMPLING, Integer.toString(decoded.subsampling()));
        notes.put(ImageTensor.Notes.ALPHA_FLATTENED, Boolean.toString(gray.hadTransparency()));

        float background = gray.borderMedian();
        boolean invert = background >= LIGHT_BACKGROUND;
        notes.put(ImageTensor.Notes.BACKGROUND, Integer.toString(Math.round(background)));
        notes.put(ImageTensor.Notes.INVERTED, Boolean.toString(invert));

        float[] pixels;
        boolean passthrough = gray.width() == SIDE && gray.height() == SIDE && gray.grayOnly() && !gray.hadTransparency();
        notes.put(ImageTensor.Notes.PASSTHROUGH, Boolean.toString(passthrough));
        if (passthrough) {
            pixels = new float[SIDE * SIDE];
            for (int i = 0; i < pixels.length; i++) {
                float v = gray.values()[i];
                pixels[i] = (invert ? 255f - v : v) / 255f;
            }
        } else {
            pixels = fit(gray, background, invert, notes);
        }
        return new ImageTensor(pixels, SIDE, SIDE, previewPng(pixels), notes);
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
        if (format == ImageFormat.PNG) checkPngComplete(bytes);
        if (format == ImageFormat.BMP || format == ImageFormat.WEBP) {
            long declared = format == ImageFormat.BMP ? u32le(bytes, 2) : u32le(bytes, 4) + 8;
            if (declared > bytes.length) throw truncated(format, bytes.length);
        }
        return format;
    }

    /** A PNG must reach its IEND chunk; readers are otherwise inconsistent about data cut short. */
    private static void checkPngComplete(byte[] b) throws ImageRejectedException {
        long pos = 8;
        while (pos + 8 <= b.length) {
            long length = ((b[(int) pos] & 0xFFL) << 24) | ((b[(int) pos + 1] & 0xFF) << 16)
                | ((b[(int) pos + 2] & 0xFF) << 8) | (b[(int) pos + 3] & 0xFF);
            boolean iend = b[(int) pos + 4] == 'I' && b[(int) pos + 5] == 'E' && b[(int) pos + 6] == 'N' && b[(int) pos + 7] == 'D';
            pos += 12 + length;
            if (iend && pos <= b.length) return;
        }
        throw truncated(ImageFormat.PNG, b.length);
    }

    /** After a decoding error: does the file lack the end its format requires? */
    private static boolean endsEarly(ImageFormat format, byte[] b) {
        int n = b.length;
        return switch (format) {
            case JPEG -> n < 4 || (b[n - 2] & 0xFF) != 0xFF || (b[n - 1] & 0xFF) != 0xD9;
            case GIF -> b[n - 1] != 0x3B;
            default -> false;
        };
    }

    private static long u32le(byte[] b, int at) {
        if (at + 4 > b.length) return 0;
        return (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
    }

    private Decoded decode(ImageFormat format, byte[] bytes) throws ImageRejectedException {
        ImageReader reader = readerFor(format);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
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
            if (pixelCount > options.maxPixels()) {
                throw new ImageRejectedException(Reason.TOO_MANY_PIXELS, String.format(Locale.ROOT,
                    "The %s picture is %d x %d = %,d pixels, more than the limit of %,d pixels (checked before decoding,"
                        + " against decompression bombs). Scale it down, a few hundred pixels a side is plenty, and send it again.",
                    format.displayName(), width, height, pixelCount, options.maxPixels()));
            }
            int step = (Math.max(width, height) + options.maxDecodeSide() - 1) / options.maxDecodeSide();
            ImageReadParam param = reader.getDefaultReadParam();
            if (step > 1) param.setSourceSubsampling(step, step, 0, 0);
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            BufferedImage image;
            try {
                image = reader.read(0, param);
            } catch (IOException | RuntimeException e) {
                throw damaged(format, bytes, e);
            }
            for (String warning : warnings) {
                if (isTruncation(warning)) throw truncated(format, bytes.length);
            }
            return new Decoded(image, width, height, step);
        } catch (IOException e) {
            throw new UncheckedIOException("closing an in-memory stream", e);
        } finally {
            reader.dispose();
        }
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

    private static ImageRejectedException damaged(ImageFormat format, byte[] bytes, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EOFException || (t.getMessage() != null && isTruncation(t.getMessage()))) {
                return truncated(format, bytes.length);
            }
        }
        if (endsEarly(format, bytes)) return truncated(format, bytes.length);
        String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new ImageRejectedException(Reason.CORRUPT, "The file starts like a " + format.displayName()
            + " picture but cannot be decoded (" + detail + "): the data is damaged. Re-save the picture as PNG or JPEG"
            + " and send it again.", e);
    }

    private static boolean isTruncation(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("premature end") || m.contains("unexpected end") || m.contains("truncat") || m.contains("end of file")
            || m.contains("eof");
    }

    private static ImageRejectedException truncated(ImageFormat format, int size) {
        return new ImageRejectedException(Reason.TRUNCATED, "The " + format.displayName() + " picture is cut short: the file"
            + " ends after " + size + " bytes, before the picture does. Upload the complete file again.");
    }

    /** Crops to the garment, scales it to fit 28x28, places it on a dark canvas and stretches it to [0,1]. */
    private float[] fit(Gray gray, float background, boolean invert, Map<String, String> notes) throws ImageRejectedException {
        int w = gray.width();
        int h = gray.height();
        float[] v = gray.values();
        float[] ink = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            ink[i] = Math.max(0f, invert ? background - v[i] : v[i] - background);
        }
        int contrast = contrast(ink);
        if (contrast < options.minContrast()) {
            throw new ImageRejectedException(Reason.BLANK, "The picture is almost one uniform colour (the garment differs"
                + " from the background by " + contrast + " gray levels of 255): there is nothing to classify. Send a photo"
                + " of one garment, dark on a light background or light on a dark one.");
        }
        float threshold = Math.max(1f, options.foregroundThreshold() * contrast);
        int x0 = w;
        int y0 = h;
        int x1 = -1;
        int y1 = -1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (ink[y * w + x] > threshold) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        int cw = x1 - x0 + 1;
        int ch = y1 - y0 + 1;
        notes.put(ImageTensor.Notes.CROP, x0 + "," + y0 + "," + cw + "," + ch);
        int longest = Math.max(cw, ch);
        int tw = Math.max(1, Math.round(cw * (float) SIDE / longest));
        int th = Math.max(1, Math.round(ch * (float) SIDE / longest));
        float[] scaled = Resampler.resize(ink, w, x0, y0, cw, ch, tw, th);

        int ox;
        int oy;
        if (options.centering() == Centering.CENTER_OF_MASS) {
            double sum = 0;
            double sx = 0;
            double sy = 0;
            for (int y = 0; y < th; y++) {
                for (int x = 0; x < tw; x++) {
                    double m = scaled[y * tw + x];
                    sum += m;
                    sx += m * (x + 0.5);
                    sy += m * (y + 0.5);
                }
            }
            ox = clamp((int) Math.round(SIDE / 2.0 - sx / sum), 0, SIDE - tw);
            oy = clamp((int) Math.round(SIDE / 2.0 - sy / sum), 0, SIDE - th);
            notes.put(ImageTensor.Notes.CENTERING, "centerOfMass");
        } else {
            ox = (SIDE - tw + 1) / 2;
            oy = (SIDE - th + 1) / 2;
            notes.put(ImageTensor.Notes.CENTERING, "boundingBox");
        }

        float max = 0f;
        for (float s : scaled) max = Math.max(max, s);
        float[] out = new float[SIDE * SIDE];
        for (int y = 0; y < th; y++) {
            for (int x = 0; x < tw; x++) {
                out[(y + oy) * SIDE + x + ox] = Math.min(1f, scaled[y * tw + x] / max);
            }
        }
        return out;
    }

    /** The ink level reached by at least a few pixels: the brightest garment level, robust to isolated specks. */
    private static int contrast(float[] ink) {
        int[] histogram = new int[256];
        for (float value : ink) histogram[Math.min(255, Math.round(value))]++;
        int needed = Math.max(1, Math.min(CONTRAST_OUTLIERS + 1, ink.length / 1000));
        int count = 0;
        for (int level = 255; level > 0; level--) {
            count += histogram[level];
            if (count >= needed) return level;
        }
        return 0;
    }

    private static int clamp(int value, int min, int max) {
        return Math.max(min, Math.min(max, value));
    }

    private static byte[] previewPng(float[] pixels) {
        BufferedImage image = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = image.getRaster();
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                raster.setSample(x, y, 0, Math.round(pixels[y * SIDE + x] * 255f));
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(new IIOImage(image, null, null));
        } catch (IOException e) {
            throw new UncheckedIOException("writing a PNG to memory", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(HEX_PREVIEW_BYTES, bytes.length); i++) {
            s.append(String.format(Locale.ROOT, "%02x", bytes[i] & 0xFF));
        }
        return s.toString();
    }

    private record Decoded(BufferedImage image, int sourceWidth, int sourceHeight, int subsampling) {
    }

    /**
     * A decoded picture as gray levels 0..255 (float), transparency already flattened onto white.
     *
     * @param grayOnly         the source had no colour: one gray channel, or R = G = B everywhere
     * @param hadTransparency  some pixel was not fully opaque
     */
    private record Gray(int width, int height, float[] values, boolean grayOnly, boolean hadTransparency) {

        static Gray of(BufferedImage image) {
            int w = image.getWidth();
            int h = image.getHeight();
            float[] values = new float[w * h];
            ColorModel cm = image.getColorModel();
            boolean grayOnly = true;
            boolean transparent = false;
            if (!(cm instanceof IndexColorModel) && cm.getNumColorComponents() == 1
                && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
                // Gray samples are taken as stored: getRGB() would treat them as linear light and brighten them.
                Raster raster = image.getRaster();
                int bits = cm.getComponentSize(0);
                float scale = bits == 8 ? 1f : 255f / ((1 << bits) - 1);
                int alphaBand = cm.hasAlpha() ? raster.getNumBands() - 1 : -1;
                float alphaMax = cm.hasAlpha() ? (1 << cm.getComponentSize(alphaBand)) - 1 : 1f;
                int[] row = new int[w];
                int[] alpha = new int[w];
                for (int y = 0; y < h; y++) {
                    raster.getSamples(0, y, w, 1, 0, row);
                    if (alphaBand >= 0) raster.getSamples(0, y, w, 1, alphaBand, alpha);
                    for (int x = 0; x < w; x++) {
                        float g = bits == 8 ? (float) row[x] : row[x] * scale;
                        if (alphaBand >= 0 && alpha[x] < alphaMax) {
                            float a = alpha[x] / alphaMax;
                            g = a * g + (1f - a) * 255f;
                            transparent = true;
                        }
                        values[y * w + x] = g;
                    }
                }
            } else {
                int[] argb = new int[w];
                for (int y = 0; y < h; y++) {
                    image.getRGB(0, y, w, 1, argb, 0, w);
                    for (int x = 0; x < w; x++) {
                        int p = argb[x];
                        int a = p >>> 24;
                        int r = (p >> 16) & 0xFF;
                        int g = (p >> 8) & 0xFF;
                        int b = p & 0xFF;
                        float luma;
                        if (r == g && g == b) {
                            luma = r;
                        } else {
                            luma = LUMA_R * r + LUMA_G * g + LUMA_B * b;
                            grayOnly = false;
                        }
                        if (a < 255) {
                            float alpha = a / 255f;
                            luma = alpha * luma + (1f - alpha) * 255f;
                            transparent = true;
                        }
                        values[y * w + x] = luma;
                    }
                }
            }
            return new Gray(w, h, values, grayOnly, transparent);
        }

        /** The median gray level of a thin frame along the border: the background's level. */
        float borderMedian() {
            int ring = Math.max(1, Math.min(width, height) / 50);
            int[] histogram = new int[256];
            int count = 0;
            for (int y = 0; y < height; y++) {
                boolean edgeRow = y < ring || y >= height - ring;
                for (int x = 0; x < width; x++) {
                    if (edgeRow || x < ring || x >= width - ring) {
                        histogram[Math.min(255, Math.round(values[y * width + x]))]++;
                        count++;
                    }
                }
            }
            int half = (count + 1) / 2;
            int seen = 0;
            for (int level = 0; level < 256; level++) {
                seen += histogram[level];
                if (seen >= half) return level;
            }
            return 255;
        }

        /** This picture turned upright according to an EXIF orientation (1..8). */
        Gray oriented(int orientation) {
            if (orientation <= 1 || orientation > 8) return this;
            boolean swap = orientation >= 5;
            int nw = swap ? height : width;
            int nh = swap ? width : height;
            float[] out = new float[values.length];
            for (int y = 0; y < nh; y++) {
                for (int x = 0; x < nw; x++) {
                    int sx;
                    int sy;
                    switch (orientation) {
                        case 2: sx = width - 1 - x; sy = y; break;
                        case 3: sx = width - 1 - x; sy = height - 1 - y; break;
                        case 4: sx = x; sy = height - 1 - y; break;
                        case 5: sx = y; sy = x; break;
                        case 6: sx = y; sy = height - 1 - x; break;
                        case 7: sx = width - 1 - y; sy = height - 1 - x; break;
                        default: sx = width - 1 - y; sy = x; break;
                    }
                    out[y * nw + x] = values[sy * width + sx];
                }
            }
            return new Gray(nw, nh, out, grayOnly, hadTransparency);
        }
    }
}
