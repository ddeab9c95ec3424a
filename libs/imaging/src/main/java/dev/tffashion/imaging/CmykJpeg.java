package dev.tffashion.imaging;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;

/**
 * JPEGs of four components: CMYK or YCCK, as print workflows, Photoshop's CMYK saves and some shop catalogues write them.
 * Browsers show them, so people have them without knowing. The JDK's {@code read} converts them through its CMYK colour
 * profile pixel by pixel, and takes every one for Adobe's inverted samples: one without Adobe's segment (as libjpeg writes
 * them) comes out with wrong colours, and a garment printed in black ink alone all black. Here the frame header's component
 * count and the Adobe segment's colour transform are read from the markers, the JDK reader's raw samples
 * ({@link ImageReader#readRaster}) are taken, and turned into RGB: YCCK to CMYK, Adobe's inverted samples inverted back, and CMYK to
 * RGB by the plain formula {@code R = (255 - C) (255 - K) / 255} (no ICC profile: the model needs gray levels, not exact
 * colours; and a garment taken the wrong way round, light for dark, is still found on its side by {@link Background}).
 */
final class CmykJpeg {

    /** Adobe's transform for a four-component JPEG: YCCK (otherwise CMYK). */
    private static final int TRANSFORM_YCCK = 2;
    private static final int MAX = 255;
    private static final int HALF = 128;

    private CmykJpeg() {
    }

    /** The number of components of the JPEG's frame (its SOF header), or 0 when the markers before the scan have none. */
    static int components(byte[] jpeg) {
        // SOF0..SOF15, less DHT (C4), JPG (C8) and DAC (CC): length, precision, height, width, components
        int sof = JpegSegments.find(jpeg, (marker, pos, length) -> marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8
            && marker != 0xCC);
        return sof >= 0 && sof + 9 < jpeg.length ? jpeg[sof + 9] & 0xFF : 0;
    }

    /** The colour transform of the JPEG's Adobe (APP14) segment, or -1 when it has none. */
    static int adobeTransform(byte[] jpeg) {
        // "Adobe", version (2), flags0 (2), flags1 (2), transform (1)
        int adobe = JpegSegments.find(jpeg, (marker, pos, length) -> marker == 0xEE && length >= 14 && pos + 15 < jpeg.length
            && jpeg[pos + 4] == 'A' && jpeg[pos + 5] == 'd' && jpeg[pos + 6] == 'o' && jpeg[pos + 7] == 'b' && jpeg[pos + 8] == 'e');
        return adobe >= 0 ? jpeg[adobe + 15] & 0xFF : -1;
    }

    /** Decodes a four-component JPEG's samples (subsampled as {@code param} says) and turns them into an RGB picture. */
    static BufferedImage read(ImageReader reader, ImageReadParam param, byte[] jpeg) throws IOException {
        Raster raster = reader.readRaster(0, param);
        int transform = adobeTransform(jpeg);
        return toRgb(raster, transform == TRANSFORM_YCCK, transform >= 0);
    }

    /**
     * The RGB picture of four-component samples: YCCK turned into CMYK first ({@code ycck}), then inverted when Adobe wrote
     * them ({@code inverted}: Adobe stores 255 for no ink), then {@code R = (255 - C) (255 - K) / 255} and likewise G and B.
     */
    static BufferedImage toRgb(Raster raster, boolean ycck, boolean inverted) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        if (raster.getNumBands() != 4) {
            throw new IllegalArgumentException("a CMYK or YCCK JPEG has 4 components, this one " + raster.getNumBands());
        }
        BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] samples = new int[w * 4];
        int[] row = new int[w];
        int x0 = raster.getMinX();
        int y0 = raster.getMinY();
        for (int y = 0; y < h; y++) {
            raster.getPixels(x0, y0 + y, w, 1, samples);
            for (int x = 0, i = 0; x < w; x++, i += 4) {
                int c = samples[i];
                int m = samples[i + 1];
                int ye = samples[i + 2];
                int k = samples[i + 3];
                if (ycck) {
                    int luma = c;
                    int cb = m - HALF;
                    int cr = ye - HALF;
                    c = MAX - clamp(luma + 1.402 * cr);
                    m = MAX - clamp(luma - 0.344136 * cb - 0.714136 * cr);
                    ye = MAX - clamp(luma + 1.772 * cb);
                }
                if (inverted) {
                    c = MAX - c;
                    m = MAX - m;
                    ye = MAX - ye;
                    k = MAX - k;
                }
                int r = (MAX - c) * (MAX - k) / MAX;
                int g = (MAX - m) * (MAX - k) / MAX;
                int b = (MAX - ye) * (MAX - k) / MAX;
                row[x] = r << 16 | g << 8 | b;
            }
            rgb.setRGB(0, y, w, 1, row, 0, w);
        }
        return rgb;
    }

    private static int clamp(double value) {
        return (int) Math.max(0, Math.min(MAX, Math.round(value)));
    }
}
