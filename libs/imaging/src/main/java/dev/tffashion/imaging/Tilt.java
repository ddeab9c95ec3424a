package dev.tffashion.imaging;

/**
 * How far a garment is turned from upright, read from the direction of its edges, and the garment turned back.
 *
 * <p>Fashion-MNIST's garments are all photographed upright, so their outlines run mostly along the picture's axes: hems,
 * sides, soles, the legs of trousers. A photo taken a little askew turns them all by the same angle, and a model trained on
 * upright garments loses much of its accuracy when a garment leans 10 to 15 degrees. The angle is the mean direction of the
 * ink's edges modulo 90 degrees: each pixel's gradient (Sobel) votes with its strength for the angle of its direction times
 * four, so that edges along either axis, in either sense, vote alike, and the diagonal edges of sleeves or straps, which come
 * in mirrored pairs, cancel out. The strength of the mean vote over the total (0..1) says how much the edges agree.
 *
 * @param degrees       the garment's turn from upright, clockwise on the picture, in (-45, 45]
 * @param concentration how much the edges agree on it, 0..1
 */
record Tilt(double degrees, double concentration) {

    /** Below this the garment is left as it is: the estimate's own spread on upright garments reaches about this far. */
    static final double MIN_DEGREES = 3.0;
    /** Beyond this a garment could as well be lying on its side, turned the other way: it is left as it is. */
    static final double MAX_DEGREES = 35.0;
    /** Edges that agree less than this give no direction: a round or ragged shape. */
    static final double MIN_CONCENTRATION = 0.1;
    /** A garment under this many pixels on its longest side has too few edge pixels to read an angle from (a small drawing). */
    static final int MIN_SIDE = 56;
    /** Pixels added around the garment's box on each side, where its outer edges are. */
    private static final int MARGIN = 2;

    /** No turn. */
    static final Tilt UPRIGHT = new Tilt(0, 0);

    /** The garment's tilt, read from the ink inside its box (and a margin round it). */
    static Tilt of(float[] ink, int width, int height, GarmentFit.Box box) {
        int x0 = Math.max(1, box.x() - MARGIN);
        int y0 = Math.max(1, box.y() - MARGIN);
        int x1 = Math.min(width - 2, box.x() + box.width() - 1 + MARGIN);
        int y1 = Math.min(height - 2, box.y() + box.height() - 1 + MARGIN);
        double cos4 = 0;
        double sin4 = 0;
        double total = 0;
        for (int y = y0; y <= y1; y++) {
            int row = y * width;
            for (int x = x0; x <= x1; x++) {
                int i = row + x;
                float upLeft = ink[i - width - 1];
                float upRight = ink[i - width + 1];
                float downLeft = ink[i + width - 1];
                float downRight = ink[i + width + 1];
                double gx = upRight + 2 * ink[i + 1] + downRight - upLeft - 2 * ink[i - 1] - downLeft;
                double gy = downLeft + 2 * ink[i + width] + downRight - upLeft - 2 * ink[i - width] - upRight;
                double squared = gx * gx + gy * gy;
                if (squared == 0) continue;
                // cos and sin of twice the direction, then of four times it, from the gradient's components
                double cos2 = (gx * gx - gy * gy) / squared;
                double sin2 = 2 * gx * gy / squared;
                double strength = Math.sqrt(squared);
                cos4 += strength * (cos2 * cos2 - sin2 * sin2);
                sin4 += strength * 2 * cos2 * sin2;
                total += strength;
            }
        }
        if (total == 0) return UPRIGHT;
        return new Tilt(Math.toDegrees(Math.atan2(sin4, cos4) / 4), Math.hypot(cos4, sin4) / total);
    }

    /** Whether a garment of this box is large enough to read a tilt from ({@link #MIN_SIDE}). */
    static boolean readable(GarmentFit.Box box) {
        return Math.max(box.width(), box.height()) >= MIN_SIDE;
    }

    /** Whether a garment of this box is to be turned back by this tilt. */
    boolean worthTurning(GarmentFit.Box box) {
        double size = Math.abs(degrees);
        return size >= MIN_DEGREES && size <= MAX_DEGREES && concentration >= MIN_CONCENTRATION && readable(box);
    }

    /** Ink turned upright: {@code width x height} values, row-major. */
    record Turned(float[] values, int width, int height) {
    }

    /**
     * The box's ink turned back by this tilt about the box's centre, bilinear, into a picture just large enough to hold the
     * turned box; ink outside the box counts as background (0), as the crop found it.
     */
    Turned turnBack(float[] ink, int width, GarmentFit.Box box) {
        double radians = Math.toRadians(degrees);
        double cos = Math.cos(radians);
        double sin = Math.sin(radians);
        int tw = (int) Math.ceil(box.width() * Math.abs(cos) + box.height() * Math.abs(sin)) + 2;
        int th = (int) Math.ceil(box.width() * Math.abs(sin) + box.height() * Math.abs(cos)) + 2;
        double cx = box.x() + box.width() / 2.0;
        double cy = box.y() + box.height() / 2.0;
        int bx1 = box.x() + box.width() - 1;
        int by1 = box.y() + box.height() - 1;
        float[] out = new float[tw * th];
        for (int y = 0; y < th; y++) {
            double dy = y + 0.5 - th / 2.0;
            for (int x = 0; x < tw; x++) {
                double dx = x + 0.5 - tw / 2.0;
                // the source point that turns onto (x, y): the output turned by the tilt again, pixel centres at +0.5
                double sx = cx + cos * dx - sin * dy - 0.5;
                double sy = cy + sin * dx + cos * dy - 0.5;
                out[y * tw + x] = sample(ink, width, box.x(), box.y(), bx1, by1, sx, sy);
            }
        }
        return new Turned(out, tw, th);
    }

    /** Bilinear sample at (sx, sy), with pixels outside the box read as 0. */
    private static float sample(float[] ink, int width, int x0, int y0, int x1, int y1, double sx, double sy) {
        int ix = (int) Math.floor(sx);
        int iy = (int) Math.floor(sy);
        if (ix < x0 - 1 || ix > x1 || iy < y0 - 1 || iy > y1) return 0f;
        double fx = sx - ix;
        double fy = sy - iy;
        double top = (1 - fx) * at(ink, width, x0, y0, x1, y1, ix, iy) + fx * at(ink, width, x0, y0, x1, y1, ix + 1, iy);
        double bottom = (1 - fx) * at(ink, width, x0, y0, x1, y1, ix, iy + 1) + fx * at(ink, width, x0, y0, x1, y1, ix + 1, iy + 1);
        return (float) ((1 - fy) * top + fy * bottom);
    }

    private static float at(float[] ink, int width, int x0, int y0, int x1, int y1, int x, int y) {
        return x < x0 || x > x1 || y < y0 || y > y1 ? 0f : ink[y * width + x];
    }
}
