package dev.tffashion.imaging;

import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Test support: turns a Fashion-MNIST image into a "shop photo" of the same garment: dark on a white (or off-white)
 * background, enlarged 6-14 times with bilinear interpolation, placed off-centre on an off-square canvas, tinted a
 * dark colour, optionally with a transparent background, and encoded as JPEG, GIF, BMP (24-bit or 8-bit RLE) or PNG.
 *
 * <p>Half of the photos keep a sharp silhouette, as a photo of the garment would (enlarged pixels outside the original
 * garment stay background); the other half have soft edges, the bilinear ramp half a source pixel wide around it.
 */
final class ShopPhotos {

    /** The encodings a shop photo comes in. */
    enum Kind {
        JPEG("jpg"), GIF("gif"), BMP("bmp"), BMP_RLE8("bmp"), PNG_RGB("png"), PNG_RGBA("png");

        final String extension;

        Kind(String extension) {
            this.extension = extension;
        }
    }

    /** A generated photo and how it was made. */
    record Photo(byte[] bytes, Kind kind, int width, int height, String description) {
    }

    /** Garment colours, all dark enough to stand out on white (luma 20-110). */
    private static final int[][] COLOURS = {
        {20, 20, 24}, {28, 40, 90}, {110, 20, 30}, {30, 80, 40}, {90, 60, 30},
        {60, 60, 66}, {70, 30, 100}, {20, 90, 100}, {85, 85, 30}, {120, 40, 60}};

    private ShopPhotos() {
    }

    /**
     * Makes a shop photo of a garment.
     *
     * @param garment 784 unsigned bytes, light on dark, as Fashion-MNIST stores it
     * @param kind    the encoding
     * @param random  chooses size, margins, colour and background deterministically from its seed
     * @param maxGarmentSide upper bound of the enlarged garment's side in pixels (at least 168)
     */
    static Photo make(byte[] garment, Kind kind, Random random, int maxGarmentSide) {
        int side = 168 + random.nextInt(Math.max(1, maxGarmentSide - 168 + 1));
        int left = 8 + random.nextInt(80);
        int right = 8 + random.nextInt(80);
        int top = 8 + random.nextInt(60);
        int bottom = 8 + random.nextInt(60);
        int[] base = COLOURS[random.nextInt(COLOURS.length)];
        int[] colour = new int[3];
        for (int c = 0; c < 3; c++) colour[c] = clamp(base[c] + random.nextInt(21) - 10);
        int paper = kind == Kind.PNG_RGBA ? 255 : 255 - (random.nextBoolean() ? 0 : random.nextInt(14));

        boolean sharp = random.nextBoolean();
        float[] ink = enlarge(garment, side, sharp);
        int width = left + side + right;
        int height = top + side + bottom;
        boolean alpha = kind == Kind.PNG_RGBA;
        BufferedImage photo = new BufferedImage(width, height, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        int[] argb = new int[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int gx = x - left;
                int gy = y - top;
                float a = gx >= 0 && gx < side && gy >= 0 && gy < side ? ink[gy * side + gx] / 255f : 0f;
                if (alpha) {
                    argb[y * width + x] = (Math.round(a * 255f) << 24) | (colour[0] << 16) | (colour[1] << 8) | colour[2];
                } else {
                    int r = Math.round(paper * (1 - a) + colour[0] * a);
                    int g = Math.round(paper * (1 - a) + colour[1] * a);
                    int b = Math.round(paper * (1 - a) + colour[2] * a);
                    argb[y * width + x] = 0xFF000000 | (r << 16) | (g << 8) | b;
                }
            }
        }
        photo.setRGB(0, 0, width, height, argb, 0, width);
        if (kind == Kind.BMP_RLE8) photo = indexed(ink, side, left, top, width, height, paper, colour);
        String description = String.format(Locale.ROOT, "%s %dx%d, garment %dpx at (%d,%d), %s edges, colour #%02x%02x%02x, %s",
            kind, width, height, side, left, top, sharp ? "sharp" : "soft", colour[0], colour[1], colour[2],
            alpha ? "transparent background" : "background " + paper);
        return new Photo(encode(photo, kind), kind, width, height, description);
    }

    /** The garment's 0..255 intensities enlarged to side x side, bilinear (by AWT, not by the code under test). */
    static float[] enlarge(byte[] garment, int side, boolean sharpSilhouette) {
        BufferedImage small = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 784; i++) {
            int v = garment[i] & 0xFF;
            small.setRGB(i % 28, i / 28, (v << 16) | (v << 8) | v);
        }
        double scale = side / 28.0;
        AffineTransformOp op = new AffineTransformOp(AffineTransform.getScaleInstance(scale, scale), AffineTransformOp.TYPE_BILINEAR);
        BufferedImage large = op.filter(small, new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB));
        int[] rgb = large.getRGB(0, 0, side, side, null, 0, side);
        float[] out = new float[side * side];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                boolean inside = !sharpSilhouette || garment[(int) (y / scale) * 28 + (int) (x / scale)] != 0;
                out[y * side + x] = inside ? rgb[y * side + x] & 0xFF : 0f;
            }
        }
        return out;
    }

    /** The same photo as 8 bits per pixel: a palette of 256 blends from the paper to the garment colour. */
    private static BufferedImage indexed(float[] ink, int side, int left, int top, int width, int height, int paper, int[] colour) {
        byte[][] palette = new byte[3][256];
        for (int k = 0; k < 256; k++) {
            float a = k / 255f;
            for (int c = 0; c < 3; c++) palette[c][k] = (byte) Math.round(paper * (1 - a) + colour[c] * a);
        }
        IndexColorModel model = new IndexColorModel(8, 256, palette[0], palette[1], palette[2]);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_INDEXED, model);
        WritableRaster raster = image.getRaster();
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) raster.setSample(left + x, top + y, 0, Math.round(ink[y * side + x]));
        }
        return image;
    }

    /** How much of the garment covers a pixel of a photo: 0 (paper only) to 1 (garment only). */
    @FunctionalInterface
    interface Coverage {
        double at(int x, int y);
    }

    /** A gray JPEG photo, {@code size} pixels square: each pixel the paper's level mixed with the garment's by its coverage. */
    static byte[] grayJpeg(int size, double paper, double garment, Coverage coverage) {
        return grayJpeg(size, size, paper, garment, coverage);
    }

    /** A gray JPEG photo of {@code width} x {@code height} pixels, each the paper's level mixed with the garment's by its coverage. */
    static byte[] grayJpeg(int width, int height, double paper, double garment, Coverage coverage) {
        int[] rgb = new int[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double a = coverage.at(x, y);
                int level = (int) Math.max(0, Math.min(255, Math.round(paper * (1 - a) + garment * a)));
                rgb[y * width + x] = level << 16 | level << 8 | level;
            }
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, width, height, rgb, 0, width);
        return encode(image, Kind.JPEG);
    }

    static byte[] encode(BufferedImage image, Kind kind) {
        String format = switch (kind) {
            case JPEG -> "jpeg";
            case GIF -> "gif";
            case BMP, BMP_RLE8 -> "bmp";
            default -> "png";
        };
        ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (kind == Kind.JPEG) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(0.85f);
            } else if (kind == Kind.BMP_RLE8) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionType("BI_RLE8");
            }
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /** A Fashion-MNIST image as an 8-bit grayscale PNG, as a user would save it. */
    static byte[] grayPng(byte[] garment) {
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = image.getRaster();
        for (int i = 0; i < 784; i++) raster.setSample(i % 28, i / 28, 0, garment[i] & 0xFF);
        return encode(image, Kind.PNG_RGB);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
