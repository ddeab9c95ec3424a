package dev.tffashion.imageconvert;

import dev.tffashion.imaging.ModelInput;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.tffashion.pipeline.contracts.TensorValue;

/**
 * What the model sees: a 28x28 grayscale picture, row-major, values in [0,1], light garment on a dark background
 * (as Fashion-MNIST stores it), with a 28x28 PNG of the same pixels for people and notes on how it was made. It becomes the
 * pipeline's {@link TensorValue} through {@link #toValue}: the preview is made once, by the preprocessor, and travels on the
 * tensor value only.
 *
 * @param pixels     {@code height * width} floats in [0,1], row-major; do not modify
 * @param height     28
 * @param width      28
 * @param previewPng an 8-bit grayscale PNG of {@code round(pixel * 255)}
 * @param notes      how the picture was converted, see {@link Notes}
 */
public record ImageTensor(float[] pixels, int height, int width, byte[] previewPng, Map<String, String> notes) {

    /** Side of the model's input, in pixels. */
    public static final int SIDE = ModelInput.SIDE;

    /** Keys of {@link #notes()}. */
    public static final class Notes {
        /** Detected format, e.g. "PNG", "JPEG". */
        public static final String SOURCE_FORMAT = ModelInput.Notes.SOURCE_FORMAT;
        /** Source width in pixels. */
        public static final String SOURCE_WIDTH = ModelInput.Notes.SOURCE_WIDTH;
        /** Source height in pixels. */
        public static final String SOURCE_HEIGHT = ModelInput.Notes.SOURCE_HEIGHT;
        /** "true" when the source was dark on light and was inverted. */
        public static final String INVERTED = ModelInput.Notes.INVERTED;
        /** "true" when transparent parts were flattened onto white. */
        public static final String ALPHA_FLATTENED = ModelInput.Notes.ALPHA_FLATTENED;
        /** "true" when a 28x28 grayscale source went through unchanged apart from an inversion (no crop, no scaling). */
        public static final String PASSTHROUGH = ModelInput.Notes.PASSTHROUGH;
        /** Estimated background gray level of the source, 0..255, before inversion. */
        public static final String BACKGROUND = ModelInput.Notes.BACKGROUND;
        /** The garment's box in source pixels, "x,y,width,height" (absent on passthrough). */
        public static final String CROP = ModelInput.Notes.CROP;
        /** How the garment was placed on the canvas: "boundingBox" or "centerOfMass" (absent on passthrough). */
        public static final String CENTERING = ModelInput.Notes.CENTERING;
        /** Decoding step when a large source was subsampled while decoding, e.g. "3". */
        public static final String SUBSAMPLING = ModelInput.Notes.SUBSAMPLING;

        private Notes() {
        }
    }

    public ImageTensor {
        if (height <= 0 || width <= 0 || pixels.length != height * width) {
            throw new IllegalArgumentException("pixels must hold height * width values, got " + pixels.length
                + " for " + height + "x" + width);
        }
        notes = Collections.unmodifiableMap(new LinkedHashMap<>(notes));
    }

    /** The tensor's shape, {@code [height, width]}. */
    public int[] shape() {
        return new int[] {height, width};
    }

    /** The tensor value of the picture this tensor was made from: the pixels, the preview, the file name and the notes. */
    public TensorValue toValue(String pipeline, String imageId, String fileName) {
        return TensorValue.ofImage(pipeline, imageId, pixels, shape(), previewPng, fileName, notes);
    }

    /** The value at a row and column, in [0,1]. */
    public float pixel(int row, int col) {
        return pixels[row * width + col];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageTensor t && height == t.height && width == t.width
            && Arrays.equals(pixels, t.pixels) && Arrays.equals(previewPng, t.previewPng)
            && notes.equals(t.notes);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(pixels) + notes.hashCode();
    }

    @Override
    public String toString() {
        return "ImageTensor[" + height + "x" + width + ", notes=" + notes + "]";
    }
}
