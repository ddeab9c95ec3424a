package dev.tffashion.imaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

/**
 * {@link GrayImage#of} reads 8-bit sRGB and palette pictures from their raster samples instead of {@link BufferedImage#getRGB}:
 * the gray levels must be exactly those of the same picture read through {@code getRGB}, which a copy of it as
 * {@code TYPE_INT_ARGB} (set from the original's {@code getRGB} values) still is.
 */
class GrayImageRowsTest {

    private static final int W = 37;
    private static final int H = 23;

    @Test
    void everyLayoutGivesTheGrayLevelsOfGetRgb() throws Exception {
        var random = new Random(20261205L);
        int[] types = {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_4BYTE_ABGR_PRE,
            BufferedImage.TYPE_BYTE_INDEXED, BufferedImage.TYPE_BYTE_BINARY, BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_BGR,
            BufferedImage.TYPE_USHORT_565_RGB};
        for (int type : types) {
            for (boolean grayPixels : new boolean[] {false, true}) {
                BufferedImage image = filled(new BufferedImage(W, H, type), random, grayPixels);
                assertSameAsGetRgb("type " + type + (grayPixels ? ", gray pixels" : ""), image);
            }
        }
        assertSameAsGetRgb("4-bit palette with transparent entries", filled(new BufferedImage(W, H, BufferedImage.TYPE_BYTE_BINARY,
            palette(16, random)), random, false));
    }

    @Test
    void picturesAsTheDecoderGivesThemAreReadFromTheirSamplesWithTheSameLevels() throws Exception {
        var random = new Random(7L);
        var decoder = new ImageDecoder(PreprocessorOptions.defaults());
        Object[][] cases = {
            {"jpg", BufferedImage.TYPE_3BYTE_BGR, true},
            {"png", BufferedImage.TYPE_3BYTE_BGR, true},
            {"png", BufferedImage.TYPE_4BYTE_ABGR, true},
            {"bmp", BufferedImage.TYPE_3BYTE_BGR, true},
            {"gif", BufferedImage.TYPE_BYTE_INDEXED, false},
            {"png", BufferedImage.TYPE_BYTE_INDEXED, false},
            {"bmp", BufferedImage.TYPE_BYTE_INDEXED, false},
        };
        for (Object[] c : cases) {
            String format = (String) c[0];
            var source = filled(new BufferedImage(W, H, (int) c[1]), random, false);
            BufferedImage decoded = decoder.decode(encode(source, format)).image();
            String name = format + " from type " + c[1];
            if ((boolean) c[2]) {
                assertTrue(GrayImage.RowReader.isSrgb8(decoded.getColorModel(), decoded.getRaster()),
                    name + ": decoded as 8-bit sRGB, read from its samples");
            } else {
                assertTrue(decoded.getColorModel() instanceof IndexColorModel, name + ": decoded with its palette");
            }
            assertSameAsGetRgb(name, decoded);
        }
    }

    private static void assertSameAsGetRgb(String name, BufferedImage image) {
        var copy = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_ARGB);
        copy.setRGB(0, 0, image.getWidth(), image.getHeight(), image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0,
            image.getWidth()), 0, image.getWidth());
        GrayImage read = GrayImage.of(image);
        GrayImage expected = GrayImage.of(copy);
        assertArrayEquals(expected.values(), read.values(), name);
        assertEquals(expected.grayOnly(), read.grayOnly(), name + ": gray only");
        assertEquals(expected.hadTransparency(), read.hadTransparency(), name + ": transparency");
    }

    /** Random pixels, a third of them partly transparent (where the layout keeps alpha). */
    private static BufferedImage filled(BufferedImage image, Random random, boolean grayPixels) {
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int alpha = random.nextInt(3) == 0 ? random.nextInt(256) : 255;
                int r = random.nextInt(256);
                int rgb = grayPixels ? r << 16 | r << 8 | r : random.nextInt(1 << 24);
                image.setRGB(x, y, alpha << 24 | rgb);
            }
        }
        return image;
    }

    private static IndexColorModel palette(int size, Random random) {
        byte[] r = new byte[size];
        byte[] g = new byte[size];
        byte[] b = new byte[size];
        byte[] a = new byte[size];
        random.nextBytes(r);
        random.nextBytes(g);
        random.nextBytes(b);
        random.nextBytes(a);
        return new IndexColorModel(4, size, r, g, b, a);
    }

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        var out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, format, out), "ImageIO writes " + format);
        return out.toByteArray();
    }
}
