package dev.tffashion.imaging;

import java.util.Arrays;

/**
 * The background of a gray picture, read from a thin frame along its border.
 *
 * <p>Its <b>level</b> is the frame's median. A garment darker than its background is inverted, since the model knows light
 * garments on dark (Fashion-MNIST's border medians are all at most 91); which side the garment is on is weighed from the
 * pixels that stand out ({@link #garmentDarker}), the level (light, at least 128 of 255, meaning a dark garment) deciding only
 * a 28x28 gray picture that passes through, or a picture where nothing stands out.
 *
 * <p>Photos are rarely lit evenly: a backdrop darkens towards one side, or towards the corners (a lens's vignetting). So the
 * background is a <b>surface</b> fitted to the medians of short pieces of the frame: a quadratic in x and y when pieces on all
 * four sides are left to fit it, else a plane, else the level alone. Pieces that the garment covers (it may touch an edge)
 * stand out from the others and are left out of the fit; a garment cropped to its edges covers so much of the frame that
 * pieces it partly covers pass, and the fit, bowed towards it, then gives way to the flat level. And photos are grainy: sensor
 * noise, JPEG artefacts, a fabric backdrop. The frame's spread around the surface (on the backdrop's side of it) gives a
 * <b>noise floor</b> that is taken off every pixel's ink, so that the backdrop's grain is not mistaken for garment. On an
 * evenly lit, clean backdrop the surface is flat at the level and the floor about 0: the ink is then what the level alone gave.
 *
 * @param level   the border median, 0..255, before inversion
 * @param light   whether the picture is inverted: the garment is darker than its background
 * @param surface the background's level at each pixel
 * @param noise   gray levels taken off every pixel's ink: the backdrop's grain, {@link #NOISE_SPREADS} of its spread
 */
record Background(float level, boolean light, Surface surface, float noise) {

    /** Background brighter than this (0..255) counts as light, a dark garment's, when the pixels cannot tell. */
    static final float LIGHT_BACKGROUND = 128f;
    /** The noise floor is this many robust standard deviations (1.4826 x the median absolute deviation) of the frame. */
    static final float NOISE_SPREADS = 3f;
    /** Pieces of the frame along each side (fewer on small pictures: at least 4 pixels a piece). */
    private static final int PIECES_PER_SIDE = 8;
    /** A piece further than this from the border median is taken for garment before the first fit. */
    private static final float FIRST_TOLERANCE = 48f;
    /** After the first fit, a piece further than this many robust spreads of the pieces from it is left out. */
    private static final float PIECE_SPREADS = 3f;
    /** ... but never closer than this, so that an evenly lit backdrop keeps all its pieces. */
    private static final float MIN_PIECE_TOLERANCE = 8f;
    /** A quadratic needs this many pieces, on every side; a plane needs a few spanning both directions. */
    private static final int QUADRATIC_PIECES = 12;
    private static final int PLANE_PIECES = 4;
    private static final float MAD_TO_SIGMA = 1.4826f;
    /** The garment's side of the background is weighed on a grid of about this many pixels. */
    private static final int POLARITY_SAMPLES = 65_536;
    /** The fitted surface is dropped for the flat level when it stands this many times further from the frame's pixels. */
    private static final float BOWED = 2f;
    /** The grain's median is read to a quarter of a gray level. */
    private static final int DEVIATION_STEPS = 4;

    /** A background of one level everywhere, no noise floor. */
    static Background flat(float level) {
        return new Background(level, level >= LIGHT_BACKGROUND, Surface.flat(level), 0f);
    }

    static Background of(GrayImage gray) {
        float level = gray.borderMedian();
        // A 28x28 gray picture passes through, only inverted when light: its level is all it needs
        if (gray.passesThrough()) return flat(level);
        Frame frame = Frame.of(gray);
        boolean[] kept = new boolean[frame.count];
        for (int i = 0; i < frame.count; i++) kept[i] = Math.abs(frame.median[i] - level) <= FIRST_TOLERANCE;
        Surface surface = frame.fit(kept, gray.width(), gray.height());
        if (surface == null) {
            Surface flat = Surface.flat(level);
            return new Background(level, garmentDarker(gray, flat, 0f, level >= LIGHT_BACKGROUND), flat, 0f);
        }
        float[] residual = new float[frame.count];
        for (int i = 0; i < frame.count; i++) {
            residual[i] = Math.abs(frame.median[i] - surface.at(frame.x[i], frame.y[i]));
        }
        float tolerance = Math.max(MIN_PIECE_TOLERANCE, PIECE_SPREADS * MAD_TO_SIGMA * median(residual));
        for (int i = 0; i < frame.count; i++) kept[i] = residual[i] <= tolerance;
        Surface refit = frame.fit(kept, gray.width(), gray.height());
        if (refit != null) surface = refit;
        // A garment cropped to the picture's edges covers much of the frame, and pieces it only partly covers can pass both
        // tolerances: the surface then bows towards the garment, the grain reads tens of levels, and the garment's fainter parts
        // fall under the floor. Over the whole frame, such a surface stands further from the pixels on its closer side than the
        // flat level does: the level is taken then.
        boolean[] all = new boolean[frame.count];
        Arrays.fill(all, true);
        Surface flat = Surface.flat(level);
        float flatDeviation = frame.deviation(gray, all, flat);
        if (flatDeviation * BOWED < frame.deviation(gray, all, surface)) {
            float noise = NOISE_SPREADS * MAD_TO_SIGMA * flatDeviation;
            return new Background(level, garmentDarker(gray, flat, noise, level >= LIGHT_BACKGROUND), flat, noise);
        }
        float noise = NOISE_SPREADS * MAD_TO_SIGMA * frame.deviation(gray, kept, surface);
        return new Background(level, garmentDarker(gray, surface, noise, level >= LIGHT_BACKGROUND), surface, noise);
    }

    /**
     * Whether the garment is darker than its background (the picture is then inverted). The background's level alone says so
     * on most photos (dark on white, light on black), but not on a backdrop of middle or light gray: a white sneaker on a
     * light-gray floor, black jeans on a dark-gray wall. So how far the pixels stand out from the background (beyond the noise
     * floor) is summed on either side of it, on a grid of about {@link #POLARITY_SAMPLES} pixels, and the heavier side is the
     * garment's; the level decides only when nothing stands out either way (a blank picture, refused later).
     */
    private static boolean garmentDarker(GrayImage gray, Surface surface, float noise, boolean byLevel) {
        int w = gray.width();
        int h = gray.height();
        float[] levels = gray.values();
        int step = Math.max(1, (int) Math.round(Math.sqrt((double) w * h / POLARITY_SAMPLES)));
        double darker = 0;
        double lighter = 0;
        float c3 = surface.c()[3];
        float du = surface.du();
        float u0 = surface.u0();
        for (int y = step / 2; y < h; y += step) {
            float v = surface.v(y);
            float a = surface.rowA(v);
            float b = surface.rowB(v);
            float rowLighter = 0f;
            float rowDarker = 0f;
            for (int x = step / 2; x < w; x += step) {
                float u = x * du + u0;
                float d = levels[y * w + x] - (a + (b + c3 * u) * u);
                if (d > noise) {
                    rowLighter += d - noise;
                } else if (d < -noise) {
                    rowDarker += -d - noise;
                }
            }
            lighter += rowLighter;
            darker += rowDarker;
        }
        return darker == lighter ? byLevel : darker > lighter;
    }

    /**
     * How far each pixel of row {@code y} stands out from the background there, towards the garment, less the noise floor (0
     * for background, never negative): the row's {@code width} levels from {@code levels[from]} into {@code ink} at the same
     * places.
     */
    void ink(int y, int width, float[] levels, float[] ink, int from) {
        float v = surface.v(y);
        float a = surface.rowA(v);
        float b = surface.rowB(v);
        float c3 = surface.c()[3];
        float step = surface.du();
        float u0 = surface.u0();
        float first = surface.width() > 1 ? a - b + c3 : a;
        float last = surface.width() > 1 ? a + b + c3 : a;
        float vertex = c3 != 0f && Math.abs(b / (2f * c3)) < 1f ? a - b * b / (4f * c3) : first;
        if (Math.min(first, Math.min(last, vertex)) >= 0f && Math.max(first, Math.max(last, vertex)) <= 255f) {
            // The whole row lies within 0..255 (the common case): no clamp per pixel
            rowInk(width, levels, ink, from, a, b, c3, step, u0);
            return;
        }
        for (int x = 0; x < width; x++) {
            float u = x * step + u0;
            float background = Math.max(0f, Math.min(255f, a + (b + c3 * u) * u));
            float level = levels[from + x];
            ink[from + x] = Math.max(0f, (light ? background - level : level - background) - noise);
        }
    }

    private void rowInk(int width, float[] levels, float[] ink, int from, float a, float b, float c3, float step, float u0) {
        if (light) {
            for (int x = 0; x < width; x++) {
                float u = x * step + u0;
                ink[from + x] = Math.max(0f, a + (b + c3 * u) * u - levels[from + x] - noise);
            }
        } else {
            for (int x = 0; x < width; x++) {
                float u = x * step + u0;
                ink[from + x] = Math.max(0f, levels[from + x] - (a + (b + c3 * u) * u) - noise);
            }
        }
    }

    private static float median(float[] values) {
        float[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length == 0 ? 0f : sorted[sorted.length / 2];
    }

    /**
     * A smooth surface over the picture: {@code c0 + c1 u + c2 v + c3 u^2 + c4 v^2 + c5 u v}, with u and v the pixel's position
     * scaled to -1..1 across the width and the height.
     */
    record Surface(float[] c, int width, int height) {

        static final int TERMS = 6;

        static Surface flat(float level) {
            return new Surface(new float[] {level, 0f, 0f, 0f, 0f, 0f}, 1, 1);
        }

        /** Row {@code y}'s place across the height, -1 to 1 (0 on a picture one pixel high). */
        float v(int y) {
            return height > 1 ? 2f * y / (height - 1) - 1f : 0f;
        }

        /**
         * Along the row at {@code v} the surface is {@code a + b u + c3 u^2}, u running from {@link #u0()} by {@link #du()} a
         * pixel (-1 to 1; 0 on a picture one pixel wide), c3 being {@code c[3]}: this is a.
         */
        float rowA(float v) {
            return c[0] + c[2] * v + c[4] * v * v;
        }

        /** ... and this b. */
        float rowB(float v) {
            return c[1] + c[5] * v;
        }

        float du() {
            return width > 1 ? 2f / (width - 1) : 0f;
        }

        float u0() {
            return width > 1 ? -1f : 0f;
        }

        float at(float x, float y) {
            float u = width > 1 ? 2f * x / (width - 1) - 1f : 0f;
            float v = height > 1 ? 2f * y / (height - 1) - 1f : 0f;
            return c[0] + c[1] * u + c[2] * v + c[3] * u * u + c[4] * v * v + c[5] * u * v;
        }

        private static double[] terms(double u, double v) {
            return new double[] {1, u, v, u * u, v * v, u * v};
        }
    }

    /** The border frame cut into pieces along each side, with each piece's centre, side and median gray level. */
    private static final class Frame {
        final int count;
        final float[] x;
        final float[] y;
        final float[] median;
        /** 0 top, 1 bottom, 2 left, 3 right. */
        final int[] side;
        /** Each piece's pixels: x0, y0, x1, y1 (exclusive). */
        final int[][] box;
        /** Scratch space for a piece's median. */
        private final int[] histogram = new int[256];

        private Frame(int count) {
            this.count = count;
            this.x = new float[count];
            this.y = new float[count];
            this.median = new float[count];
            this.side = new int[count];
            this.box = new int[count][];
        }

        static Frame of(GrayImage gray) {
            int w = gray.width();
            int h = gray.height();
            int ring = gray.ring();
            int across = Math.max(1, Math.min(PIECES_PER_SIDE, w / 4));
            int down = Math.max(1, Math.min(PIECES_PER_SIDE, h / 4));
            Frame frame = new Frame(2 * across + 2 * down);
            int n = 0;
            for (int i = 0; i < across; i++) {
                int x0 = i * w / across;
                int x1 = (i + 1) * w / across;
                n = frame.piece(gray, n, 0, x0, 0, x1, ring);
                n = frame.piece(gray, n, 1, x0, h - ring, x1, h);
            }
            for (int i = 0; i < down; i++) {
                int y0 = i * h / down;
                int y1 = (i + 1) * h / down;
                n = frame.piece(gray, n, 2, 0, y0, ring, y1);
                n = frame.piece(gray, n, 3, w - ring, y0, w, y1);
            }
            return frame;
        }

        private int piece(GrayImage gray, int n, int where, int x0, int y0, int x1, int y1) {
            Arrays.fill(histogram, 0);
            int pixels = 0;
            float[] values = gray.values();
            for (int yy = y0; yy < y1; yy++) {
                for (int xx = x0; xx < x1; xx++) {
                    histogram[Math.min(255, Math.max(0, Math.round(values[yy * gray.width() + xx])))]++;
                    pixels++;
                }
            }
            x[n] = (x0 + x1 - 1) / 2f;
            y[n] = (y0 + y1 - 1) / 2f;
            median[n] = GrayImage.medianBin(histogram, pixels);
            side[n] = where;
            box[n] = new int[] {x0, y0, x1, y1};
            return n + 1;
        }

        /**
         * The least-squares surface through the kept pieces' medians: quadratic when at least {@link #QUADRATIC_PIECES} are
         * kept and some on every side, else a plane; null when even a plane is not determined (too few pieces, or all along
         * one side), which leaves the background flat.
         */
        Surface fit(boolean[] kept, int width, int height) {
            int pieces = 0;
            boolean[] sides = new boolean[4];
            for (int i = 0; i < count; i++) {
                if (kept[i]) {
                    pieces++;
                    sides[side[i]] = true;
                }
            }
            boolean allSides = sides[0] && sides[1] && sides[2] && sides[3];
            if (pieces >= QUADRATIC_PIECES && allSides) {
                Surface quadratic = solve(kept, width, height, Surface.TERMS);
                if (quadratic != null) return quadratic;
            }
            return pieces >= PLANE_PIECES ? solve(kept, width, height, 3) : null;
        }

        /** Least squares over the first {@code terms} terms of {@link Surface}; null when the system is singular. */
        private Surface solve(boolean[] kept, int width, int height, int terms) {
            double[][] a = new double[terms][terms + 1];
            Surface surface = new Surface(new float[Surface.TERMS], width, height);
            for (int i = 0; i < count; i++) {
                if (!kept[i]) continue;
                double u = width > 1 ? 2.0 * x[i] / (width - 1) - 1 : 0;
                double v = height > 1 ? 2.0 * y[i] / (height - 1) - 1 : 0;
                double[] t = Surface.terms(u, v);
                for (int r = 0; r < terms; r++) {
                    for (int c = 0; c < terms; c++) a[r][c] += t[r] * t[c];
                    a[r][terms] += t[r] * median[i];
                }
            }
            double largest = 0;
            for (int r = 0; r < terms; r++) largest = Math.max(largest, Math.abs(a[r][r]));
            for (int col = 0; col < terms; col++) {
                int pivot = col;
                for (int r = col + 1; r < terms; r++) {
                    if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
                }
                if (!(Math.abs(a[pivot][col]) > 1e-9 * largest)) return null;
                double[] swap = a[col];
                a[col] = a[pivot];
                a[pivot] = swap;
                for (int r = 0; r < terms; r++) {
                    if (r == col) continue;
                    double f = a[r][col] / a[col][col];
                    for (int c = col; c <= terms; c++) a[r][c] -= f * a[col][c];
                }
            }
            float[] c = surface.c();
            for (int r = 0; r < terms; r++) c[r] = (float) (a[r][terms] / a[r][r]);
            return surface;
        }

        /**
         * The backdrop's grain: the median absolute difference between the kept pieces' pixels and the surface, read on each side
         * of it apart (pixels lighter, pixels darker; one exactly on it counts on both), the smaller of the two. Grain falls on both
         * sides alike, a garment on one only: the edge of a garment that touches the picture's border (a photo cropped to it) lies
         * in pieces that were kept, and read on both sides at once it raised the floor until the garment's own fainter parts fell
         * under it and the crop lost them.
         */
        float deviation(GrayImage gray, boolean[] kept, Surface surface) {
            int[] lighter = new int[256 * DEVIATION_STEPS];
            int[] darker = new int[256 * DEVIATION_STEPS];
            int lighterPixels = 0;
            int darkerPixels = 0;
            float[] values = gray.values();
            for (int i = 0; i < count; i++) {
                if (!kept[i]) continue;
                int[] b = box[i];
                for (int yy = b[1]; yy < b[3]; yy++) {
                    for (int xx = b[0]; xx < b[2]; xx++) {
                        float d = values[yy * gray.width() + xx] - surface.at(xx, yy);
                        int bin = Math.min(lighter.length - 1, (int) (Math.abs(d) * DEVIATION_STEPS));
                        if (d >= 0) {
                            lighter[bin]++;
                            lighterPixels++;
                        }
                        if (d <= 0) {
                            darker[bin]++;
                            darkerPixels++;
                        }
                    }
                }
            }
            if (lighterPixels == 0 && darkerPixels == 0) return 0f;
            int bin = lighterPixels == 0 ? GrayImage.medianBin(darker, darkerPixels)
                : darkerPixels == 0 ? GrayImage.medianBin(lighter, lighterPixels)
                : Math.min(GrayImage.medianBin(lighter, lighterPixels), GrayImage.medianBin(darker, darkerPixels));
            return (bin + 0.5f) / DEVIATION_STEPS;
        }
    }
}
