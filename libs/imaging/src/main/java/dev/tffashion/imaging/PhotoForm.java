package dev.tffashion.imaging;

import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Function;
import javax.imageio.ImageIO;

/**
 * A Fashion-MNIST image rendered as a picture a user might send instead of a 28x28 scan: larger, in colour, in another
 * format, dark on white. Used to measure how a model does on inputs that go through the real preprocessing: learn's
 * {@code photoAccuracy} and the end-to-end bench's agreement run both render with these, so the two numbers mean the same.
 */
public enum PhotoForm {

    /** 56x56 RGB JPEG (ImageIO's default quality), scaled up bilinearly, light garment on dark, tinted brown (R, 0.85 G, 0.7 B). */
    JPEG_56_RGB("56x56 RGB JPEG, tinted", PhotoForm::jpeg56),
    /**
     * 100x120 RGBA PNG, dark garment on white: the picture inverted and scaled 3x (84x84, bilinear) onto an opaque white square
     * at (8, 20); the rest of the canvas transparent (alpha 0), which the preprocessing flattens onto white (the garment is dark).
     */
    PNG_100X120_RGBA("100x120 RGBA PNG, dark on white, transparent margin", PhotoForm::png100x120);

    private final String description;
    private final Function<float[], byte[]> renderer;

    PhotoForm(String description, Function<float[], byte[]> renderer) {
        this.description = description;
        this.renderer = renderer;
    }

    /** What the form looks like, for reports. */
    public String description() {
        return description;
    }

    /**
     * Renders an image.
     *
     * @param pixels {@code 28 * 28} gray values in [0,1], row-major, light garment on dark (as Fashion-MNIST stores them)
     * @return the encoded picture
     */
    public byte[] render(float[] pixels) {
        if (pixels.length != ModelInput.SIDE * ModelInput.SIDE) {
            throw new IllegalArgumentException("a photo form renders 28x28 = 784 pixels, not " + pixels.length);
        }
        return renderer.apply(pixels);
    }

    private static byte[] jpeg56(float[] pixels) {
        BufferedImage scaled = scale(gray(pixels, false), 56, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 56; y++) {
            for (int x = 0; x < 56; x++) {
                int v = scaled.getRGB(x, y) & 0xff;
                scaled.setRGB(x, y, (v << 16) | (Math.round(v * 0.85f) << 8) | Math.round(v * 0.7f));
            }
        }
        return encode(scaled, "jpeg");
    }

    private static byte[] png100x120(float[] pixels) {
        BufferedImage garment = scale(gray(pixels, true), 84, BufferedImage.TYPE_INT_ARGB);
        BufferedImage canvas = new BufferedImage(100, 120, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 120; y++) {
            for (int x = 0; x < 100; x++) {
                canvas.setRGB(x, y, 0x00ffffff);
            }
        }
        for (int y = 0; y < 84; y++) {
            for (int x = 0; x < 84; x++) {
                canvas.setRGB(x + 8, y + 20, 0xff000000 | (garment.getRGB(x, y) & 0xffffff));
            }
        }
        return encode(canvas, "png");
    }

    /**
     * The image as an sRGB picture with R = G = B = the stored level, as stored or inverted (dark on white). Not a
     * TYPE_BYTE_GRAY image: Java2D takes those as linear light and would brighten them when drawing into RGB.
     */
    private static BufferedImage gray(float[] pixels, boolean inverted) {
        int side = ModelInput.SIDE;
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < pixels.length; i++) {
            int v = Math.round(pixels[i] * 255f);
            int level = inverted ? 255 - v : v;
            image.setRGB(i % side, i / side, (level << 16) | (level << 8) | level);
        }
        return image;
    }

    private static BufferedImage scale(BufferedImage source, int side, int type) {
        BufferedImage target = new BufferedImage(side, side, type);
        var g = target.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(source, 0, 0, side, side, null);
        g.dispose();
        return target;
    }

    /** The picture in an ImageIO format ({@code png}, {@code jpg}, {@code gif}, {@code bmp}). */
    static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(format + " encoding failed", e);
        }
        return out.toByteArray();
    }
}
