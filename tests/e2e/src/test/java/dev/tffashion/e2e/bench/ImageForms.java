package dev.tffashion.e2e.bench;

import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.function.BiFunction;

import javax.imageio.ImageIO;

import dev.tffashion.e2e.TestImages;
import dev.tffashion.fashionmnist.FashionMnist;

/**
 * The forms in which the agreement run sends the Fashion-MNIST test images (issue 17, "agreement through the preprocessing"):
 * the 28x28 grayscale PNG that image-convert passes through untouched, and two that go through the real preprocessing.
 */
enum ImageForms {

    /** 28x28 8-bit grayscale PNG, light garment on dark, as stored: image-convert's passthrough. */
    PNG_28_GRAY("28x28 grayscale PNG (passthrough)", (images, i) -> images.png(i)),
    /** 56x56 RGB JPEG (ImageIO's default quality), scaled up bilinearly, light garment on dark, tinted brown (R, 0.85 G, 0.7 B). */
    JPEG_56_RGB("56x56 RGB JPEG, tinted", ImageForms::jpeg56),
    /**
     * 100x120 RGBA PNG, dark garment on white: the picture inverted and scaled 3x (84x84, bilinear) onto an opaque white square
     * at (8, 20); the rest of the canvas transparent (alpha 0), which the preprocessing flattens onto white.
     */
    PNG_100X120_RGBA("100x120 RGBA PNG, dark on white, transparent margin", ImageForms::png100x120);

    private final String description;
    private final BiFunction<TestImages, Integer, byte[]> encoder;

    ImageForms(String description, BiFunction<TestImages, Integer, byte[]> encoder) {
        this.description = description;
        this.encoder = encoder;
    }

    String description() {
        return description;
    }

    byte[] encode(TestImages images, int index) {
        return encoder.apply(images, index);
    }

    private static byte[] jpeg56(TestImages images, int index) {
        var gray = gray(images, index, false);
        var scaled = scale(gray, 56, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 56; y++) {
            for (int x = 0; x < 56; x++) {
                int v = scaled.getRGB(x, y) & 0xff;
                scaled.setRGB(x, y, (v << 16) | (Math.round(v * 0.85f) << 8) | Math.round(v * 0.7f));
            }
        }
        return encode(scaled, "jpeg", index);
    }

    private static byte[] png100x120(TestImages images, int index) {
        var garment = scale(gray(images, index, true), 84, BufferedImage.TYPE_INT_ARGB);
        var canvas = new BufferedImage(100, 120, BufferedImage.TYPE_INT_ARGB);
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
        return encode(canvas, "png", index);
    }

    /**
     * The test image as an sRGB picture with R = G = B = the stored level, as stored or inverted (dark on white). Not a
     * TYPE_BYTE_GRAY image: Java2D takes those as linear light and would brighten them when drawing into RGB.
     */
    private static BufferedImage gray(TestImages images, int index, boolean inverted) {
        var side = FashionMnist.IMAGE_SIZE;
        var pixels = images.pixels(index);
        var image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < pixels.length; i++) {
            int v = Math.round(pixels[i] * 255f);
            int level = inverted ? 255 - v : v;
            image.setRGB(i % side, i / side, (level << 16) | (level << 8) | level);
        }
        return image;
    }

    private static BufferedImage scale(BufferedImage source, int side, int type) {
        var target = new BufferedImage(side, side, type);
        var g = target.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(source, 0, 0, side, side, null);
        g.dispose();
        return target;
    }

    private static byte[] encode(BufferedImage image, String format, int index) {
        var out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new IllegalStateException(format + " encoding of test image " + index + " failed", e);
        }
        return out.toByteArray();
    }
}
