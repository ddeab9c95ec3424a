package dev.tffashion.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.util.Locale;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * JPEGs of four components (CMYK and YCCK, with and without Adobe's segment) give the model the same input as the same photo
 * saved as an RGB JPEG, and the same class. Through the JDK's own {@code read} (its CMYK colour profile, and a JPEG without
 * Adobe's segment taken for Adobe's inverted samples) the inputs were 0.03 to 0.04 away from the RGB JPEG's on average, and a
 * garment printed in black ink alone without Adobe's segment came out all black and was refused as blank.
 */
class CmykJpegTest {

    private static final int GARMENTS = 60;
    /** The first test image used; other tests start elsewhere. */
    private static final int FIRST_IMAGE = 8200;
    /** The mean difference of the model's inputs, over the row... */
    private static final double MAX_MEAN_DIFFERENCE = 0.01;
    /** ... and of any one picture (JPEG's losses differ between colour spaces, and may move a crop's edge by a pixel). */
    private static final double MAX_WORST_DIFFERENCE = 0.08;
    private static final int ADOBE_CMYK = 0;
    private static final int ADOBE_YCCK = 2;
    private static SoftmaxClassifier model;

    /** The ways a four-component JPEG is written. */
    private enum Kind {
        CMYK, ADOBE_CMYK, ADOBE_YCCK
    }

    @BeforeAll
    static void train() {
        model = SoftmaxClassifier.train(FashionMnistFiles.train(), 3, 42);
    }

    @Test
    void markersAreRead() throws Exception {
        Random random = new Random(1);
        byte[] garment = FashionMnistFiles.test().image(FIRST_IMAGE);
        byte[] rgb = ShopPhotos.encode(rgbPhoto(inks(garment, 200, random)), ShopPhotos.Kind.JPEG);
        assertEquals(3, CmykJpeg.components(rgb));
        assertEquals(-1, CmykJpeg.adobeTransform(rgb));
        int[][] inks = inks(garment, 200, random);
        assertEquals(4, CmykJpeg.components(cmykJpeg(inks, Kind.CMYK)));
        assertEquals(-1, CmykJpeg.adobeTransform(cmykJpeg(inks, Kind.CMYK)));
        assertEquals(ADOBE_CMYK, CmykJpeg.adobeTransform(cmykJpeg(inks, Kind.ADOBE_CMYK)));
        assertEquals(ADOBE_YCCK, CmykJpeg.adobeTransform(cmykJpeg(inks, Kind.ADOBE_YCCK)));
        assertEquals(0, CmykJpeg.components(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9}));
    }

    @Test
    void fourComponentJpegsGiveTheModelWhatTheirRgbJpegGives() throws Exception {
        FashionMnistFiles.Images test = FashionMnistFiles.test();
        Preprocessor preprocessor = new Preprocessor();
        for (Kind kind : Kind.values()) {
            Random random = new Random(kind.ordinal() + 7);
            double worst = 0;
            double sum = 0;
            int sameClass = 0;
            int rightFour = 0;
            int rightRgb = 0;
            for (int n = 0; n < GARMENTS; n++) {
                int index = FIRST_IMAGE + n;
                int[][] inks = inks(test.image(index), 180 + random.nextInt(120), random);
                ModelInput four = preprocessor.preprocess(cmykJpeg(inks, kind));
                ModelInput rgb = preprocessor.preprocess(ShopPhotos.encode(rgbPhoto(inks), ShopPhotos.Kind.JPEG));
                assertEquals("JPEG", four.notes().get(ModelInput.Notes.SOURCE_FORMAT));
                double difference = meanDifference(four.pixels(), rgb.pixels());
                worst = Math.max(worst, difference);
                sum += difference;
                int label = model.predict(four.pixels());
                sameClass += label == model.predict(rgb.pixels()) ? 1 : 0;
                rightFour += label == test.label(index) ? 1 : 0;
                rightRgb += model.predict(rgb.pixels()) == test.label(index) ? 1 : 0;
            }
            System.out.printf(Locale.ROOT, "%-10s n=%d  mean |diff| %.4f (worst %.4f)  same class %d  right %d (RGB JPEG %d)%n",
                kind, GARMENTS, sum / GARMENTS, worst, sameClass, rightFour, rightRgb);
            assertTrue(sum / GARMENTS <= MAX_MEAN_DIFFERENCE, kind + ": the mean difference from the RGB JPEGs is " + sum / GARMENTS);
            assertTrue(worst <= MAX_WORST_DIFFERENCE, kind + ": a picture's mean difference from its RGB JPEG is " + worst);
            assertTrue(sameClass >= GARMENTS - 2, kind + ": " + sameClass + " of " + GARMENTS + " in the RGB JPEG's class");
        }
    }

    /**
     * The inks of a photo of the garment: cyan, magenta, yellow and black (0 none, 255 full) per pixel of a square canvas, a
     * dark, slightly coloured garment on white paper, enlarged to {@code side} pixels with a margin.
     */
    static int[][] inks(byte[] garment, int side, Random random) {
        int margin = 16 + random.nextInt(30);
        int size = side + 2 * margin;
        float[] ink = ShopPhotos.enlarge(garment, side, random.nextBoolean());
        // a third of the garments printed in black ink alone
        int colour = random.nextInt(3) == 0 ? 0 : 120;
        int cyan = random.nextInt(colour + 1);
        int magenta = random.nextInt(colour + 1);
        int yellow = random.nextInt(colour + 1);
        int black = 140 + random.nextInt(100);
        int[][] inks = new int[4][size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int gx = x - margin;
                int gy = y - margin;
                float a = gx >= 0 && gx < side && gy >= 0 && gy < side ? ink[gy * side + gx] / 255f : 0f;
                int i = y * size + x;
                inks[0][i] = Math.round(a * cyan);
                inks[1][i] = Math.round(a * magenta);
                inks[2][i] = Math.round(a * yellow);
                inks[3][i] = Math.round(a * black);
            }
        }
        return inks;
    }

    /** The same photo in RGB, by the same formula: {@code R = (255 - C) (255 - K) / 255}. */
    static BufferedImage rgbPhoto(int[][] inks) {
        int size = (int) Math.round(Math.sqrt(inks[0].length));
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < inks[0].length; i++) {
            int k = inks[3][i];
            int r = (255 - inks[0][i]) * (255 - k) / 255;
            int g = (255 - inks[1][i]) * (255 - k) / 255;
            int b = (255 - inks[2][i]) * (255 - k) / 255;
            image.setRGB(i % size, i / size, r << 16 | g << 8 | b);
        }
        return image;
    }

    /**
     * The photo as a four-component JPEG: the JDK's writer stores a raster's four samples as they are, with no Adobe segment
     * (plain CMYK); for Adobe's kinds the samples are stored inverted (YCCK: the inverted C, M, Y as luma and chroma, and the
     * inverted K), and the Adobe segment with its transform is put after the start of image.
     */
    static byte[] cmykJpeg(int[][] inks, Kind kind) throws Exception {
        int size = (int) Math.round(Math.sqrt(inks[0].length));
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, size, size, 4, null);
        for (int i = 0; i < inks[0].length; i++) {
            int c = inks[0][i];
            int m = inks[1][i];
            int y = inks[2][i];
            int k = inks[3][i];
            int[] stored = switch (kind) {
                case CMYK -> new int[] {c, m, y, k};
                case ADOBE_CMYK -> new int[] {255 - c, 255 - m, 255 - y, 255 - k};
                case ADOBE_YCCK -> {
                    // the decoder reads luma and chroma as R, G, B = C, M, Y (then inverts the stored K)
                    double luma = 0.299 * c + 0.587 * m + 0.114 * y;
                    double cb = 128 + (y - luma) / 1.772;
                    double cr = 128 + (c - luma) / 1.402;
                    yield new int[] {clamp(luma), clamp(cb), clamp(cr), 255 - k};
                }
            };
            raster.setPixel(i % size, i / size, stored);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(raster, null, null), null);
        } finally {
            writer.dispose();
        }
        byte[] jpeg = bytes.toByteArray();
        return kind == Kind.CMYK ? jpeg : withAdobeSegment(jpeg, kind == Kind.ADOBE_YCCK ? ADOBE_YCCK : ADOBE_CMYK);
    }

    private static byte[] withAdobeSegment(byte[] jpeg, int transform) {
        byte[] adobe = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (byte) transform};
        byte[] out = new byte[jpeg.length + adobe.length];
        System.arraycopy(jpeg, 0, out, 0, 2);
        System.arraycopy(adobe, 0, out, 2, adobe.length);
        System.arraycopy(jpeg, 2, out, 2 + adobe.length, jpeg.length - 2);
        return out;
    }

    private static double meanDifference(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
        return sum / a.length;
    }

    private static int clamp(double value) {
        return (int) Math.max(0, Math.min(255, Math.round(value)));
    }
}
