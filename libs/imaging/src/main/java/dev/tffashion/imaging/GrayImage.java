package dev.tffashion.imaging;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * A decoded picture as gray levels 0..255 (float), row-major: transparency flattened onto white (onto black when the picture is a
 * light garment cut out on a transparent background, see {@link Flattening}), colour to luma (0.299 R + 0.587 G + 0.114 B,
 * Rec. 601, as PIL's {@code L}), turned upright by its EXIF orientation.
 *
 * @param grayOnly        the source had no colour: one gray channel, or R = G = B everywhere
 * @param hadTransparency some pixel was not fully opaque
 */
record GrayImage(int width, int height, float[] values, boolean grayOnly, boolean hadTransparency) {

    private static final float LUMA_R = 0.299f;
    private static final float LUMA_G = 0.587f;
    private static final float LUMA_B = 0.114f;
    /** The border ring is 2 % of the short side (at least 1 pixel). */
    private static final int RING_FRACTION = 50;

    /** Gray levels of a decoded picture, alpha flattened ({@link Flattening}), turned upright by its EXIF orientation. */
    static GrayImage upright(DecodedImage decoded) {
        return of(decoded.image()).oriented(decoded.orientation());
    }

    /** Gray levels of a decoded picture, alpha flattened ({@link Flattening}). */
    static GrayImage of(BufferedImage image) {
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
            RowReader rows = RowReader.of(image);
            int[] argb = new int[w];
            for (int y = 0; y < h; y++) {
                rows.read(y, argb);
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
        if (transparent && Flattening.cutOut(image)) Flattening.ontoBlackWhenLight(image, values);
        return new GrayImage(w, h, values, grayOnly, transparent);
    }

    /**
     * Where transparency is flattened: onto <b>white</b>, as shop photos are dark garments on white, so that a cut-out on a
     * transparent background becomes the same picture as on white (and is inverted like it); but onto <b>black</b> when the
     * picture is a cut-out (at least half of its outermost ring of pixels more transparent than opaque) of a light garment (its
     * pixels' mean gray, weighted by their opacity, {@link #LIGHT_GARMENT} or more): a white sneaker on white would leave
     * nothing to see. A picture whose background is opaque (a photo with transparent rounded corners) stays on white. Every
     * picture is flattened onto white while it is read; only a cut-out reads its alpha again, and a light one is then moved
     * onto black, so an opaque picture pays nothing for this.
     */
    static final class Flattening {

        /** A cut-out whose pixels are at least this light on average, weighted by opacity (0..255), is flattened onto black. */
        static final float LIGHT_GARMENT = 128f;
        private static final int HALF_OPAQUE = 128;

        private Flattening() {
        }

        /** At least half of the picture's outermost ring of pixels is more transparent than opaque. */
        static boolean cutOut(BufferedImage image) {
            int w = image.getWidth();
            int h = image.getHeight();
            int ring = 0;
            int clear = 0;
            for (int y = 0; y < h; y++) {
                // the first and last rows whole, the others at their first and last pixel
                int step = y == 0 || y == h - 1 || w == 1 ? 1 : w - 1;
                for (int x = 0; x < w; x += step) {
                    ring++;
                    clear += image.getRGB(x, y) >>> 24 < HALF_OPAQUE ? 1 : 0;
                }
            }
            return 2 * clear >= ring;
        }

        /**
         * Moves a cut-out flattened onto white onto black when its garment is light. A pixel of gray g and opacity a was
         * flattened to {@code a g + (1 - a) 255}: less 255 (1 - a), it is {@code a g}, the pixel on black, and summed with the
         * opacities they give the garment's mean gray. The opacity is read as 8 bits (within half a gray level of a finer
         * alpha channel), once to weigh the garment and once more to move a light one.
         */
        static void ontoBlackWhenLight(BufferedImage image, float[] values) {
            int w = image.getWidth();
            int h = image.getHeight();
            AlphaRows alpha = AlphaRows.of(image);
            int[] row = new int[w];
            double opaqueGray = 0;
            double opacity = 0;
            for (int y = 0; y < h; y++) {
                alpha.read(y, row);
                float rowGray = 0f;
                int rowOpacity = 0;
                for (int x = 0; x < w; x++) {
                    rowGray += values[y * w + x] - (255 - row[x]);
                    rowOpacity += row[x];
                }
                opaqueGray += rowGray;
                opacity += rowOpacity / 255.0;
            }
            if (opacity <= 0 || opaqueGray / opacity < LIGHT_GARMENT) return;
            for (int y = 0; y < h; y++) {
                alpha.read(y, row);
                for (int x = 0; x < w; x++) {
                    values[y * w + x] = Math.max(0f, values[y * w + x] - (255 - row[x]));
                }
            }
        }

        /** Reads a row's opacities, 0..255: from the alpha band when it has 8 bits, else from the ARGB values. */
        @FunctionalInterface
        interface AlphaRows {

            void read(int y, int[] alpha);

            static AlphaRows of(BufferedImage image) {
                int w = image.getWidth();
                Raster band = image.getAlphaRaster();
                ColorModel cm = image.getColorModel();
                if (band != null && !cm.isAlphaPremultiplied() && cm.getComponentSize(cm.getNumComponents() - 1) == 8) {
                    return (y, alpha) -> band.getSamples(0, y, w, 1, 0, alpha);
                }
                RowReader rows = RowReader.of(image);
                return (y, alpha) -> {
                    rows.read(y, alpha);
                    for (int x = 0; x < w; x++) alpha[x] = alpha[x] >>> 24;
                };
            }
        }
    }

    /**
     * Reads a row of a colour or palette picture as the ARGB values {@link BufferedImage#getRGB} gives. {@code getRGB} converts
     * pixel by pixel through the colour model's generic accessors, most of the preprocessing's time for a photo; the two layouts
     * pictures are decoded to (ImageIO's 8-bit RGB/RGBA in sRGB, as JPEG and PNG give, and palettes, as GIF, BMP and palette PNG
     * give) are read from the raster's samples instead, with the same values. Any other layout goes through {@code getRGB}.
     */
    @FunctionalInterface
    interface RowReader {

        /** Fills {@code argb} with row {@code y}, one value per pixel. */
        void read(int y, int[] argb);

        /** The fastest reader that gives {@code getRGB}'s values for this picture. */
        static RowReader of(BufferedImage image) {
            int w = image.getWidth();
            ColorModel cm = image.getColorModel();
            Raster raster = image.getRaster();
            if (cm instanceof IndexColorModel palette && raster.getNumBands() == 1) {
                int[] index = new int[w];
                return (y, argb) -> {
                    raster.getSamples(0, y, w, 1, 0, index);
                    for (int x = 0; x < w; x++) {
                        argb[x] = palette.getRGB(index[x]);
                    }
                };
            }
            if (isSrgb8(cm, raster)) {
                int bands = raster.getNumBands();
                boolean alpha = cm.hasAlpha();
                int[] samples = new int[w * bands];
                return (y, argb) -> {
                    raster.getPixels(0, y, w, 1, samples);
                    for (int x = 0, i = 0; x < w; x++, i += bands) {
                        int a = alpha ? samples[i + 3] : 0xFF;
                        argb[x] = a << 24 | samples[i] << 16 | samples[i + 1] << 8 | samples[i + 2];
                    }
                };
            }
            return (y, argb) -> image.getRGB(0, y, w, 1, argb, 0, w);
        }

        /** 8-bit R, G, B (and A, not premultiplied) samples in sRGB: the components are the ARGB bytes as they are. */
        static boolean isSrgb8(ColorModel cm, Raster raster) {
            if (!(cm instanceof ComponentColorModel) || !cm.getColorSpace().isCS_sRGB() || cm.isAlphaPremultiplied()
                || cm.getTransferType() != DataBuffer.TYPE_BYTE || cm.getNumColorComponents() != 3
                || raster.getNumBands() != cm.getNumComponents()) {
                return false;
            }
            for (int i = 0; i < cm.getNumComponents(); i++) {
                if (cm.getComponentSize(i) != 8) {
                    return false;
                }
            }
            return true;
        }
    }

    /** This picture turned upright according to an EXIF orientation (1..8). */
    GrayImage oriented(int orientation) {
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
        return new GrayImage(nw, nh, out, grayOnly, hadTransparency);
    }

    /** The median gray level of a thin frame along the border (1 pixel, or 2 % of the short side): the background's level. */
    float borderMedian() {
        int ring = ring();
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
        return medianBin(histogram, count);
    }

    /** The bin that holds the median of {@code count} values counted into {@code histogram}: the first where half are reached. */
    static int medianBin(int[] histogram, int count) {
        int seen = 0;
        for (int bin = 0; bin < histogram.length; bin++) {
            seen += histogram[bin];
            if (seen * 2 >= count) return bin;
        }
        return histogram.length - 1;
    }

    /** The width of the border frame the background is read from: 2 % of the short side, at least 1 pixel. */
    int ring() {
        return Math.max(1, Math.min(width, height) / RING_FRACTION);
    }

    /**
     * Whether this is already a Fashion-MNIST image: 28x28, gray, opaque. It is then never cropped, scaled or stretched, so
     * that a Fashion-MNIST image gives exactly {@code pixel / 255f}.
     */
    boolean passesThrough() {
        return width == ModelInput.SIDE && height == ModelInput.SIDE && grayOnly && !hadTransparency;
    }

    /** The values scaled to [0,1], inverted when the background is light: the passthrough of a 28x28 gray picture. */
    float[] scaledToUnit(Background background) {
        float[] pixels = new float[values.length];
        for (int i = 0; i < pixels.length; i++) {
            float v = values[i];
            pixels[i] = (background.light() ? 255f - v : v) / 255f;
        }
        return pixels;
    }
}
