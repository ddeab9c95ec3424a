package dev.tffashion.imaging;

/** Separable resizing of a float gray image: area averaging when shrinking, bilinear when enlarging. */
final class Resampler {

    private Resampler() {
    }

    /**
     * Resizes the rectangle {@code (x0, y0, cw, ch)} of a row-major image {@code stride} pixels wide to {@code tw x th}.
     *
     * @return {@code tw * th} values, row-major
     */
    static float[] resize(float[] src, int stride, int x0, int y0, int cw, int ch, int tw, int th) {
        float[] rows = new float[ch * tw];
        for (int y = 0; y < ch; y++) {
            resample(src, (y0 + y) * stride + x0, 1, cw, rows, y * tw, 1, tw);
        }
        float[] out = new float[th * tw];
        for (int x = 0; x < tw; x++) {
            resample(rows, x, tw, ch, out, x, tw, th);
        }
        return out;
    }

    /** One line of {@code n} samples to {@code m} samples. */
    static void resample(float[] src, int srcOffset, int srcStep, int n, float[] dst, int dstOffset, int dstStep, int m) {
        if (n == m) {
            for (int i = 0; i < m; i++) dst[dstOffset + i * dstStep] = src[srcOffset + i * srcStep];
        } else if (n > m) {
            double scale = (double) n / m;
            for (int j = 0; j < m; j++) {
                double start = j * scale;
                double end = start + scale;
                int first = (int) Math.floor(start);
                int last = Math.min(n - 1, (int) Math.ceil(end) - 1);
                double sum = 0;
                for (int i = first; i <= last; i++) {
                    double overlap = Math.min(end, i + 1) - Math.max(start, i);
                    if (overlap > 0) sum += overlap * src[srcOffset + i * srcStep];
                }
                dst[dstOffset + j * dstStep] = (float) (sum / scale);
            }
        } else {
            double scale = (double) n / m;
            for (int j = 0; j < m; j++) {
                double pos = Math.max(0, Math.min(n - 1, (j + 0.5) * scale - 0.5));
                int i = (int) Math.floor(pos);
                int k = Math.min(n - 1, i + 1);
                double f = pos - i;
                dst[dstOffset + j * dstStep] = (float) ((1 - f) * src[srcOffset + i * srcStep] + f * src[srcOffset + k * srcStep]);
            }
        }
    }
}
