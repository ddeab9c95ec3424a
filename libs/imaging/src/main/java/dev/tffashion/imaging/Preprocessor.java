package dev.tffashion.imaging;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The preprocessing contract shared by training and prediction: turns the bytes of a picture of one garment into the
 * model's input, 28x28 gray values in [0,1], light garment on a dark background, as Fashion-MNIST stores its images.
 *
 * <p>Decode ({@link ImageDecoder}), flatten alpha and gray by luma, turned upright ({@link GrayImage}), invert when the
 * garment is darker than its background ({@link Background}), crop to the garment, turn it back upright when it was photographed
 * askew ({@link Tilt}), scale the longest side to 28 keeping the aspect ratio, centre on a dark 28x28 canvas and scale to
 * [0,1] ({@link GarmentFit}); and a preview PNG ({@link PreviewPng}). A 28x28 grayscale picture is only inverted when its
 * background is light, never cropped, scaled or stretched: a Fashion-MNIST image gives exactly {@code pixel / 255f}. The
 * steps, with pictures: docs/preprocessing.md.
 *
 * <p>Thread-safe and stateless: one instance serves concurrent calls.
 */
public final class Preprocessor {

    private final PreprocessorOptions options;
    private final ImageDecoder decoder;

    public Preprocessor(PreprocessorOptions options) {
        this.options = options;
        this.decoder = new ImageDecoder(options);
    }

    /** A preprocessor with {@link PreprocessorOptions#defaults()}. */
    public Preprocessor() {
        this(PreprocessorOptions.defaults());
    }

    /** The settings in use. */
    public PreprocessorOptions options() {
        return options;
    }

    /** The decoder this preprocessor uses, with its pixel limit and decode side. */
    public ImageDecoder decoder() {
        return decoder;
    }

    /**
     * Converts a picture.
     *
     * @param bytes the complete file, in any supported format (recognised from its content)
     * @return the 28x28 model input, its preview and notes
     * @throws ImageRejectedException when the bytes are not a usable picture; the message says what to send instead
     */
    public ModelInput preprocess(byte[] bytes) throws ImageRejectedException {
        DecodedImage decoded = decoder.decode(bytes);
        GrayImage gray = GrayImage.upright(decoded);
        Background background = Background.of(gray);

        Map<String, String> notes = new LinkedHashMap<>();
        notes.put(ModelInput.Notes.SOURCE_FORMAT, decoded.header().format().displayName());
        notes.put(ModelInput.Notes.SOURCE_WIDTH, Integer.toString(decoded.header().width()));
        notes.put(ModelInput.Notes.SOURCE_HEIGHT, Integer.toString(decoded.header().height()));
        if (decoded.subsampling() > 1) notes.put(ModelInput.Notes.SUBSAMPLING, Integer.toString(decoded.subsampling()));
        notes.put(ModelInput.Notes.ALPHA_FLATTENED, Boolean.toString(gray.hadTransparency()));
        notes.put(ModelInput.Notes.BACKGROUND, Integer.toString(Math.round(background.level())));
        notes.put(ModelInput.Notes.INVERTED, Boolean.toString(background.light()));
        notes.put(ModelInput.Notes.PASSTHROUGH, Boolean.toString(gray.passesThrough()));

        float[] pixels;
        if (gray.passesThrough()) {
            pixels = gray.scaledToUnit(background);
        } else {
            // The gray levels are not read after this: the fit turns them into ink in place
            GarmentFit fit = GarmentFit.of(gray, background, options, gray.values());
            notes.put(ModelInput.Notes.CROP, fit.crop().note());
            if (fit.turned() != 0) {
                notes.put(ModelInput.Notes.STRAIGHTENED, String.format(Locale.ROOT, "%.1f", fit.turned()));
            }
            notes.put(ModelInput.Notes.CENTERING, options.centering().noteName());
            pixels = fit.canvas();
        }
        return new ModelInput(pixels, notes);
    }
}
