package dev.tffashion.imaging;

import dev.tffashion.imaging.ImageRejectedException.Reason;

/**
 * The garment of a gray picture fitted to the model's canvas: background subtracted (inverted when light), cropped to the
 * garment, turned back upright when it was photographed askew ({@link Tilt}) and cropped again, its longest side scaled to 28
 * keeping the aspect ratio ({@link Resampler}), placed on a dark 28x28 canvas ({@link Centering}) and stretched so that its
 * brightest pixel is 1. Each step's result is kept, for the pictures of
 * docs/preprocessing.md.
 *
 * @param ink      how far each source pixel stands out from the background, 0..255, the source's size
 * @param contrast the ink level reached by the brightest pixels, ignoring a few specks
 * @param crop     the garment's box in source pixels
 * @param turned   how far the garment leaned, in degrees clockwise on the picture, when it was turned back upright ({@link Tilt})
 *                 and cropped again before it was scaled; 0 when it was not turned
 * @param scaled   the cropped garment scaled to {@code scaledWidth x scaledHeight}, ink levels
 * @param offsetX  where the scaled garment starts on the canvas, from the left
 * @param offsetY  where the scaled garment starts on the canvas, from the top
 * @param canvas   the 28x28 result in [0,1]
 */
record GarmentFit(float[] ink, int contrast, Box crop, double turned, float[] scaled, int scaledWidth, int scaledHeight,
                  int offsetX, int offsetY, float[] canvas) {

    private static final int SIDE = ModelInput.SIDE;
    /** The contrast estimate ignores up to this many brightest pixels (specks, hot pixels). */
    private static final int CONTRAST_OUTLIERS = 24;
    /** On a grainy backdrop the crop leaves out this fraction of the garment's ink at each side (specks of grain far from it). */
    private static final double EDGE_INK = 0.002;
    /** A backdrop whose noise floor reaches this many gray levels is grainy: only then is the crop's edge ink left out. */
    private static final float GRAINY = 2f;

    /** A rectangle in source pixels. */
    record Box(int x, int y, int width, int height) {

        /** "x,y,width,height", as the {@code crop} note. */
        String note() {
            return x + "," + y + "," + width + "," + height;
        }
    }

    /**
     * Fits the garment of a picture, its ink written into {@code ink} (the picture's size). The preprocessor passes the gray
     * levels' own array, which it no longer needs, so that a photo costs one picture-sized array less (a 1024x768 photo's levels
     * are 3 MB, and a small heap collects them in full); the pictures of docs/preprocessing.md pass a fresh one, to keep both.
     *
     * @throws ImageRejectedException BLANK when the garment barely differs from the background
     */
    static GarmentFit of(GrayImage gray, Background background, PreprocessorOptions options, float[] ink)
        throws ImageRejectedException {
        int w = gray.width();
        int h = gray.height();
        float[] levels = gray.values();
        if (ink.length != levels.length) {
            throw new IllegalArgumentException("ink needs " + levels.length + " values, got " + ink.length);
        }
        for (int y = 0; y < h; y++) background.ink(y, w, levels, ink, y * w);

        int contrast = contrast(ink);
        if (contrast < options.minContrast()) {
            throw new ImageRejectedException(Reason.BLANK, "The picture is almost one uniform colour (the garment differs"
                + " from the background by " + contrast + " gray levels of 255): there is nothing to classify. Send a photo"
                + " of one garment that stands out from its background, lighter or darker than it.");
        }
        float threshold = Math.max(1f, options.foregroundThreshold() * contrast);
        double edgeInk = background.noise() >= GRAINY ? EDGE_INK : 0.0;
        Box crop = crop(ink, w, h, threshold, edgeInk);

        // Straightened: the garment turned back upright, then cropped again in the turned picture
        Tilt tilt = options.straighten() && Tilt.readable(crop) ? Tilt.of(ink, w, h, crop) : Tilt.UPRIGHT;
        float[] garment = ink;
        int stride = w;
        Box fitted = crop;
        Tilt.Turned turned = tilt.worthTurning(crop) ? tilt.turnBack(ink, w, crop) : null;
        Box turnedCrop = turned == null ? null : crop(turned.values(), turned.width(), turned.height(), threshold, edgeInk);
        if (turnedCrop != null && turnedCrop.width() > 0 && turnedCrop.height() > 0) {
            garment = turned.values();
            stride = turned.width();
            fitted = turnedCrop;
        } else {
            // upright, or a garment so faint that turning it blurred every pixel under the threshold: fitted as it is
            tilt = Tilt.UPRIGHT;
        }

        int longest = Math.max(fitted.width(), fitted.height());
        int tw = Math.max(1, Math.round(fitted.width() * (float) SIDE / longest));
        int th = Math.max(1, Math.round(fitted.height() * (float) SIDE / longest));
        float[] scaled = Resampler.resize(garment, stride, fitted.x(), fitted.y(), fitted.width(), fitted.height(), tw, th);

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
        } else {
            ox = (SIDE - tw + 1) / 2;
            oy = (SIDE - th + 1) / 2;
        }
        return new GarmentFit(ink, contrast, crop, tilt.degrees(), scaled, tw, th, ox, oy, stretched(scaled, tw, th, ox, oy));
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

    /**
     * The box of the pixels whose ink is above the threshold, less the outermost {@code edgeInk} of their ink on each side. On
     * a grainy backdrop ({@link #EDGE_INK}) a few specks of grain far from the garment carry almost no ink, and no longer
     * stretch the box to the picture's edges; on a clean one (0) the box is exact, to the faintest pixel of the garment.
     */
    private static Box crop(float[] ink, int w, int h, float threshold, double edgeInk) {
        return edgeInk > 0 ? trimmedBox(ink, w, h, threshold, edgeInk) : exactBox(ink, w, h, threshold);
    }

    private static Box exactBox(float[] ink, int w, int h, float threshold) {
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
        return new Box(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    }

    private static Box trimmedBox(float[] ink, int w, int h, float threshold, double edgeInk) {
        double[] columns = new double[w];
        double[] rows = new double[h];
        double total = 0;
        for (int y = 0; y < h; y++) {
            double inRow = 0;
            for (int x = 0; x < w; x++) {
                float value = ink[y * w + x];
                if (value > threshold) {
                    columns[x] += value;
                    inRow += value;
                }
            }
            rows[y] = inRow;
            total += inRow;
        }
        double trim = total * edgeInk;
        int x0 = first(columns, trim);
        int x1 = last(columns, trim);
        int y0 = first(rows, trim);
        int y1 = last(rows, trim);
        return new Box(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    }

    /** The first index where the running sum of {@code mass} passes {@code trim}. */
    private static int first(double[] mass, double trim) {
        double sum = 0;
        for (int i = 0; i < mass.length; i++) {
            sum += mass[i];
            if (sum > trim) return i;
        }
        return mass.length - 1;
    }

    /** The last index where the running sum of {@code mass}, from the end, passes {@code trim}. */
    private static int last(double[] mass, double trim) {
        double sum = 0;
        for (int i = mass.length - 1; i >= 0; i--) {
            sum += mass[i];
            if (sum > trim) return i;
        }
        return 0;
    }

    /** The scaled garment on a dark 28x28 canvas, divided by its brightest value so that it reaches 1. */
    private static float[] stretched(float[] scaled, int tw, int th, int ox, int oy) {
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

    private static int clamp(int value, int min, int max) {
        return Math.max(min, Math.min(max, value));
    }
}
