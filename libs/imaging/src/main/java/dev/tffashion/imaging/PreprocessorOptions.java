package dev.tffashion.imaging;

/**
 * Settings of the {@link Preprocessor}.
 *
 * @param maxPixels           largest width x height accepted, checked from the header before decoding
 * @param maxDecodeSide       larger sources are subsampled while decoding so that their longest side is at most this
 * @param centering           how the garment is placed on the canvas
 * @param foregroundThreshold a pixel belongs to the garment when it differs from the background by more than this
 *                            fraction of the picture's contrast (0..1)
 * @param minContrast         gray levels (0..255) between background and garment below which a picture is blank
 * @param straighten          turn a garment photographed askew back upright ({@link Tilt}) before it is cropped
 */
public record PreprocessorOptions(long maxPixels, int maxDecodeSide, Centering centering, float foregroundThreshold,
                                  int minContrast, boolean straighten) {

    /**
     * 50 megapixels: a 48 MP phone photo passes, a decompression bomb does not. The one pixel limit of the pipeline: file-drop
     * checks it at the door and image-convert behind it, both by default from {@link #DEFAULT_MAX_PIXELS_TEXT}.
     */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;
    /** {@link #DEFAULT_MAX_PIXELS} as text (a compile-time constant), for the services' {@code @WithDefault}. */
    public static final String DEFAULT_MAX_PIXELS_TEXT = "" + DEFAULT_MAX_PIXELS;
    /** Decode at most about 1024 pixels on the longest side; the output has 28. */
    public static final int DEFAULT_MAX_DECODE_SIDE = 1024;
    /** Fraction of the contrast that separates garment from background when cropping. */
    public static final float DEFAULT_FOREGROUND_THRESHOLD = 0.1f;
    /** Gray levels of contrast below which a picture counts as blank. */
    public static final int DEFAULT_MIN_CONTRAST = 12;

    public PreprocessorOptions {
        if (maxPixels < ModelInput.SIDE * ModelInput.SIDE) {
            throw new IllegalArgumentException("maxPixels must be at least 784, got " + maxPixels);
        }
        if (maxDecodeSide < ModelInput.SIDE) {
            throw new IllegalArgumentException("maxDecodeSide must be at least 28, got " + maxDecodeSide);
        }
        if (centering == null) throw new IllegalArgumentException("centering is required");
        if (!(foregroundThreshold >= 0f && foregroundThreshold < 1f)) {
            throw new IllegalArgumentException("foregroundThreshold must be in [0,1), got " + foregroundThreshold);
        }
        if (minContrast < 1 || minContrast > 255) {
            throw new IllegalArgumentException("minContrast must be in 1..255, got " + minContrast);
        }
    }

    /** The defaults: 50 MP, decode at 1024, bounding-box centring, threshold 0.1, min contrast 12, straightened. */
    public static PreprocessorOptions defaults() {
        return new PreprocessorOptions(DEFAULT_MAX_PIXELS, DEFAULT_MAX_DECODE_SIDE, Centering.BOUNDING_BOX,
            DEFAULT_FOREGROUND_THRESHOLD, DEFAULT_MIN_CONTRAST, true);
    }

    /** A copy with another pixel limit. */
    public PreprocessorOptions withMaxPixels(long value) {
        return new PreprocessorOptions(value, maxDecodeSide, centering, foregroundThreshold, minContrast, straighten);
    }

    /** A copy with another centring. */
    public PreprocessorOptions withCentering(Centering value) {
        return new PreprocessorOptions(maxPixels, maxDecodeSide, value, foregroundThreshold, minContrast, straighten);
    }

    /** A copy with another foreground threshold. */
    public PreprocessorOptions withForegroundThreshold(float value) {
        return new PreprocessorOptions(maxPixels, maxDecodeSide, centering, value, minContrast, straighten);
    }

    /** A copy that straightens garments photographed askew, or leaves them as they are. */
    public PreprocessorOptions withStraighten(boolean value) {
        return new PreprocessorOptions(maxPixels, maxDecodeSide, centering, foregroundThreshold, minContrast, value);
    }
}
