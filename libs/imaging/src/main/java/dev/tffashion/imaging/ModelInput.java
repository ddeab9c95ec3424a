package dev.tffashion.imaging;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the model sees, as the {@link Preprocessor} makes it: 28x28 gray values in [0,1], row-major, light garment on a dark
 * background (as Fashion-MNIST stores its images), with notes on how it was made. Its preview for people, a 28x28 PNG of the
 * same pixels, is made when someone asks for it ({@link #previewPng()}), never on the hot path.
 *
 * @param pixels {@code SIDE * SIDE} floats in [0,1], row-major; do not modify
 * @param notes  how the picture was converted, see {@link Notes}
 */
public record ModelInput(float[] pixels, Map<String, String> notes) {

    /** Side of the model's input, in pixels. */
    public static final int SIDE = 28;

    /** Keys of {@link #notes()}, in the order the steps write them. */
    public static final class Notes {
        /** Detected format, e.g. "PNG", "JPEG". */
        public static final String SOURCE_FORMAT = "sourceFormat";
        /** Source width in pixels. */
        public static final String SOURCE_WIDTH = "sourceWidth";
        /** Source height in pixels. */
        public static final String SOURCE_HEIGHT = "sourceHeight";
        /** Decoding step when a large source was subsampled while decoding, e.g. "3". */
        public static final String SUBSAMPLING = "subsampling";
        /** "true" when transparent parts were flattened (onto white, or onto black for a light garment cut out). */
        public static final String ALPHA_FLATTENED = "alphaFlattened";
        /** Estimated background gray level of the source, 0..255, before inversion. */
        public static final String BACKGROUND = "background";
        /** "true" when the source was dark on light and was inverted. */
        public static final String INVERTED = "inverted";
        /** "true" when a 28x28 grayscale source went through unchanged apart from an inversion (no crop, no scaling). */
        public static final String PASSTHROUGH = "passthrough";
        /** The garment's box in source pixels, "x,y,width,height" (absent on passthrough). */
        public static final String CROP = "crop";
        /**
         * How far a garment photographed askew leaned, in degrees clockwise on the picture, e.g. "12.4", when it was turned back
         * upright before it was fitted (absent when it was not turned, and on passthrough).
         */
        public static final String STRAIGHTENED = "straightened";
        /** How the garment was placed on the canvas: "boundingBox" or "centerOfMass" (absent on passthrough). */
        public static final String CENTERING = "centering";

        private Notes() {
        }
    }

    public ModelInput {
        if (pixels.length != SIDE * SIDE) {
            throw new IllegalArgumentException("pixels must hold " + SIDE + "x" + SIDE + " values, got " + pixels.length);
        }
        notes = Collections.unmodifiableMap(new LinkedHashMap<>(notes));
    }

    /** An 8-bit grayscale PNG of {@code round(pixel * 255)}, made now. */
    public byte[] previewPng() {
        return previewPng(pixels);
    }

    /** The preview PNG of any 28x28 model input in [0,1], row-major (e.g. a tensor read back from Kafka). */
    public static byte[] previewPng(float[] pixels) {
        if (pixels.length != SIDE * SIDE) {
            throw new IllegalArgumentException("a preview needs " + SIDE + "x" + SIDE + " values, got " + pixels.length);
        }
        return PreviewPng.of(pixels);
    }

    /** The value at a row and column, in [0,1]. */
    public float pixel(int row, int col) {
        return pixels[row * SIDE + col];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelInput m && Arrays.equals(pixels, m.pixels) && notes.equals(m.notes);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(pixels) + notes.hashCode();
    }

    @Override
    public String toString() {
        return "ModelInput[" + SIDE + "x" + SIDE + ", notes=" + notes + "]";
    }
}
