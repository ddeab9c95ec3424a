package dev.tffashion.imageconvert.config;

import dev.tffashion.imaging.Centering;
import dev.tffashion.imaging.PreprocessorOptions;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the imageConvert task, under {@code tf-fashion.image-convert}. */
@ConfigMapping(prefix = "tf-fashion.image-convert")
public interface ImageConvertConfig {

    /**
     * Largest picture accepted, in pixels (width x height, read from the header before decoding). The same limit as file-drop's
     * {@code file-drop.max-image-pixels} at the door (both default to {@link PreprocessorOptions#DEFAULT_MAX_PIXELS}).
     */
    @WithDefault(PreprocessorOptions.DEFAULT_MAX_PIXELS_TEXT)
    long maxPixels();

    /** Pictures with a longer side are subsampled while decoding, to bound memory; the output has 28 pixels a side. */
    @WithDefault("1024")
    int maxDecodeSide();

    /** How the garment is placed on the 28x28 canvas: {@code bounding-box} (as Fashion-MNIST) or {@code center-of-mass}. */
    @WithDefault("bounding-box")
    Centering centering();

    /** A pixel belongs to the garment when it stands out from the background by more than this fraction of the contrast. */
    @WithDefault("0.1")
    float foregroundThreshold();

    /** Contrast, in gray levels of 255, below which a picture is refused as blank. */
    @WithDefault("12")
    int minContrast();

    /** Most pictures taken from Kafka in one batch (the consumer's max.poll.records); one Kafka acknowledgement wait per batch. */
    @WithDefault("32")
    int batchSize();

    /**
     * How many records of a partition a second copy of a dropped picture (same id) may come after its first and still be
     * converted only once; the same number of records is read back per partition when image-convert first reads it
     * (README, "Exactly once"). 0 turns the check off.
     */
    @WithDefault("20000")
    int repeatWindow();

    /**
     * Pictures the service draws and preprocesses in the background when it starts, so the JVM compiles the decode and fit code
     * before the first real picture ({@link dev.tffashion.imageconvert.PreprocessorWarmup}); 0 turns the warm-up off.
     */
    @WithDefault("2000")
    int warmupPictures();

    /** The most time the start-up warm-up may take; it stops at whichever of this and {@link #warmupPictures} comes first. */
    @WithDefault("10s")
    java.time.Duration warmupBudget();

    /**
     * Whether a garment photographed askew (2 to 30 degrees from upright) is turned back upright before it is cropped
     * (docs/preprocessing.md, step 6). Keep it as learn measures photo accuracy: on.
     */
    @WithDefault("true")
    boolean straighten();

    /** These settings as preprocessor options. */
    default PreprocessorOptions toOptions() {
        return new PreprocessorOptions(maxPixels(), maxDecodeSide(), centering(), foregroundThreshold(), minContrast(),
            straighten());
    }
}
