package dev.tffashion.e2e;

import java.util.Map;

import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.imaging.ImageRejectedException;
import dev.tffashion.imaging.Preprocessor;

/**
 * In-process inference of a served SavedModel with TensorFlow Java, to compare with what the pipeline answered: the same
 * {@code serving_default} signature ({@code images} in, {@code probabilities} out) on the tensor image-convert's preprocessing
 * library ({@link Preprocessor}, default options, as the service runs it) makes from the same file.
 */
public final class InProcessModel {

    private static final int BATCH = 100;

    private InProcessModel() {
    }

    /** The label in-process inference gives each file's preprocessed tensor, -1 where the preprocessor refuses the file. */
    public static int[] labels(SavedModelBundle bundle, Preprocessor preprocessor, byte[][] files) {
        var function = bundle.function("serving_default");
        var labels = new int[files.length];
        for (int first = 0; first < files.length; first += BATCH) {
            int n = Math.min(BATCH, files.length - first);
            var pixels = new float[n * FashionMnist.PIXELS];
            var ok = new boolean[n];
            for (int k = 0; k < n; k++) {
                try {
                    var tensor = preprocessor.preprocess(files[first + k]).pixels();
                    System.arraycopy(tensor, 0, pixels, k * FashionMnist.PIXELS, FashionMnist.PIXELS);
                    ok[k] = true;
                } catch (ImageRejectedException e) {
                    ok[k] = false;
                }
            }
            var shape = Shape.of(n, FashionMnist.IMAGE_SIZE, FashionMnist.IMAGE_SIZE);
            try (var input = TFloat32.tensorOf(shape, DataBuffers.of(pixels, true, false));
                Result result = function.call(Map.of("images", input))) {
                var probabilities = (TFloat32) result.get("probabilities").orElseThrow();
                for (int k = 0; k < n; k++) {
                    int best = 0;
                    for (int c = 1; c < FashionMnist.CLASSES; c++) {
                        if (probabilities.getFloat(k, c) > probabilities.getFloat(k, best)) {
                            best = c;
                        }
                    }
                    labels[first + k] = ok[k] ? best : -1;
                }
            }
        }
        return labels;
    }
}
