package dev.tffashion.learn.training;

import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.fashionmnist.Split;
import dev.tffashion.learn.Evaluation;
import dev.tffashion.learn.EvaluationSample;
import dev.tffashion.learn.LearnException;
import dev.tffashion.learn.Mistake;
import dev.tffashion.learn.PhotoAccuracy;
import dev.tffashion.imaging.ImageRejectedException;
import dev.tffashion.imaging.PhotoForm;
import dev.tffashion.imaging.Preprocessor;
import dev.tffashion.pipeline.contracts.ModelValue.ServingSignature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;

/**
 * Evaluates an exported SavedModel as TF Serving would run it: loads it with its {@code serve} tag, feeds the 10000
 * test images through its serving signature and measures accuracy; takes the evaluation samples from the same outputs,
 * keeps the most confident mistakes, and measures {@code photoAccuracy} on test images rendered as photos.
 * Works for models trained here and for models a Python script exported, as long as the signature takes float32 images
 * ({@code [-1,28,28]}, {@code [-1,784]} or {@code [-1,28,28,1]}) and gives 10 class scores.
 */
public final class SavedModelEvaluator {

    /** What evaluating a SavedModel found. */
    public record Evaluated(ServingSignature signature, Evaluation evaluation, List<EvaluationSample> samples, PhotoAccuracy photos,
        List<Mistake> mistakes) {
    }

    /** Test images rendered in each photo form for {@code photoAccuracy} (the first n; 1000 hold about 100 of each class). */
    public static final int PHOTO_IMAGES = 1000;
    /** How many of the most confident mistakes are kept. */
    public static final int MISTAKES = 10;

    private static final int BATCH = 500;
    private static final Preprocessor PREPROCESSOR = new Preprocessor();

    private SavedModelEvaluator() {
    }

    /**
     * Evaluates the SavedModel in {@code directory} on {@code test}.
     *
     * @throws LearnException (kind {@code model}) when the model cannot be loaded or its signature does not fit tf-fashion
     */
    public static Evaluated evaluate(Path directory, Split test, double trainingSeconds, int trainExamples) {
        TensorFlowRuntime.load();
        SavedModelBundle bundle;
        try {
            bundle = SavedModelBundle.load(directory.toString(), InferenceModel.TAG);
        } catch (RuntimeException e) {
            throw new LearnException("model", "the exported model in " + directory.getFileName() + " does not load as a SavedModel "
                + "with the tag 'serve': " + e.getMessage(), e);
        }
        try (bundle) {
            ServingSignature signature = signatureOf(bundle.metaGraphDef());
            List<Integer> sampleIndices = ModelExporter.sampleIndices(test);
            int[] actual = new int[test.count()];
            int[] predicted = new int[test.count()];
            float[][] sampleOutputs = new float[sampleIndices.size()][];
            float[] confidence = new float[test.count()];
            float[] batch = new float[BATCH * FashionMnist.PIXELS];
            for (int from = 0; from < test.count(); from += BATCH) {
                int size = Math.min(BATCH, test.count() - from);
                for (int i = 0; i < size; i++) {
                    test.copyImage(from + i, batch, i * FashionMnist.PIXELS);
                }
                float[] outputs = run(bundle, signature, batch, size);
                for (int i = 0; i < size; i++) {
                    int index = from + i;
                    actual[index] = test.label(index);
                    predicted[index] = InferenceModel.argMax(outputs, i * FashionMnist.CLASSES, FashionMnist.CLASSES);
                    confidence[index] = outputs[i * FashionMnist.CLASSES + predicted[index]];
                    int sample = sampleIndices.indexOf(index);
                    if (sample >= 0) {
                        sampleOutputs[sample] = new float[FashionMnist.CLASSES];
                        System.arraycopy(outputs, i * FashionMnist.CLASSES, sampleOutputs[sample], 0, FashionMnist.CLASSES);
                    }
                }
            }
            List<EvaluationSample> samples = new ArrayList<>();
            for (int s = 0; s < sampleIndices.size(); s++) {
                int index = sampleIndices.get(s);
                byte[] raw = test.rawImage(index);
                int[] pixels = new int[raw.length];
                for (int p = 0; p < raw.length; p++) {
                    pixels[p] = raw[p] & 0xff;
                }
                samples.add(EvaluationSample.of(index, test.label(index), FashionMnist.className(test.label(index)), pixels,
                    sampleOutputs[s], InferenceModel.argMax(sampleOutputs[s], 0, FashionMnist.CLASSES)));
            }
            Evaluation evaluation = Evaluation.of(actual, predicted, FashionMnist.CLASSES, trainingSeconds, trainExamples);
            return new Evaluated(signature, evaluation, samples, photos(bundle, signature, test),
                mistakes(test, actual, predicted, confidence));
        }
    }

    /** The {@value #MISTAKES} wrong answers the model was surest of, most confident first (ties: lower index first). */
    static List<Mistake> mistakes(Split test, int[] actual, int[] predicted, float[] confidence) {
        List<Integer> wrong = new ArrayList<>();
        for (int i = 0; i < actual.length; i++) {
            if (actual[i] != predicted[i]) {
                wrong.add(i);
            }
        }
        wrong.sort(Comparator.<Integer>comparingDouble(i -> confidence[i]).reversed().thenComparing(i -> i));
        List<Mistake> mistakes = new ArrayList<>();
        for (int i : wrong.subList(0, Math.min(MISTAKES, wrong.size()))) {
            mistakes.add(new Mistake(i, actual[i], FashionMnist.className(actual[i]), predicted[i],
                FashionMnist.className(predicted[i]), Math.round(confidence[i] * 10000) / 10000.0,
                Base64.getEncoder().encodeToString(test.rawImage(i))));
        }
        return mistakes;
    }

    /**
     * Accuracy on the first {@value #PHOTO_IMAGES} test images rendered in every {@link PhotoForm} and preprocessed by the
     * {@link Preprocessor} image-convert runs: what the model does with pictures that are not Fashion-MNIST scans.
     */
    static PhotoAccuracy photos(SavedModelBundle bundle, ServingSignature signature, Split test) {
        int images = Math.min(PHOTO_IMAGES, test.count());
        Map<String, Double> forms = new LinkedHashMap<>();
        int right = 0;
        float[] batch = new float[BATCH * FashionMnist.PIXELS];
        for (PhotoForm form : PhotoForm.values()) {
            int formRight = 0;
            for (int from = 0; from < images; from += BATCH) {
                int size = Math.min(BATCH, images - from);
                for (int i = 0; i < size; i++) {
                    byte[] photo = form.render(test.image(from + i));
                    float[] input;
                    try {
                        input = PREPROCESSOR.preprocess(photo).pixels();
                    } catch (ImageRejectedException e) {
                        throw new IllegalStateException("the preprocessing refused test image " + (from + i) + " as "
                            + form.description() + ": " + e.getMessage(), e);
                    }
                    System.arraycopy(input, 0, batch, i * FashionMnist.PIXELS, FashionMnist.PIXELS);
                }
                float[] outputs = run(bundle, signature, batch, size);
                for (int i = 0; i < size; i++) {
                    if (InferenceModel.argMax(outputs, i * FashionMnist.CLASSES, FashionMnist.CLASSES) == test.label(from + i)) {
                        formRight++;
                    }
                }
            }
            forms.put(form.name(), (double) formRight / images);
            right += formRight;
        }
        return new PhotoAccuracy((double) right / (images * PhotoForm.values().length), images, forms);
    }

    /** The outputs ({@code size * 10}) of the signature for {@code size} images. */
    private static float[] run(SavedModelBundle bundle, ServingSignature signature, float[] pixels, int size) {
        Shape shape = switch (signature.inputShape().size()) {
            case 2 -> Shape.of(size, FashionMnist.PIXELS);
            case 4 -> Shape.of(size, FashionMnist.IMAGE_SIZE, FashionMnist.IMAGE_SIZE, 1);
            default -> Shape.of(size, FashionMnist.IMAGE_SIZE, FashionMnist.IMAGE_SIZE);
        };
        float[] out = new float[size * FashionMnist.CLASSES];
        try (TFloat32 input = TFloat32.tensorOf(shape, DataBuffers.of(pixels, true, false).narrow((long) size * FashionMnist.PIXELS));
            Result result = bundle.function(signature.key()).call(Map.of(signature.inputName(), input))) {
            TFloat32 output = (TFloat32) result.get(signature.outputName()).orElseThrow(() -> new LearnException("model",
                "the model's signature '" + signature.key() + "' gave no output '" + signature.outputName() + "'"));
            if (output.shape().size() != out.length) {
                throw new LearnException("model", "the model's output '" + signature.outputName() + "' has shape " + output.shape()
                    + " for " + size + " images; tf-fashion expects [" + size + ",10] (one score per class)");
            }
            output.copyTo(DataBuffers.of(out, false, false));
        } catch (ClassCastException e) {
            throw new LearnException("model", "the model's output '" + signature.outputName() + "' is not float32", e);
        }
        return out;
    }

    /**
     * Finds the signature to feed: {@code serving_default} (else the only one), its float32 image input (the only input, or
     * one named {@code images}) and its output ({@code probabilities}, else the only output).
     */
    static ServingSignature signatureOf(MetaGraphDef meta) {
        Map<String, SignatureDef> signatures = new java.util.LinkedHashMap<>(meta.getSignatureDefMap());
        signatures.keySet().removeIf(key -> key.startsWith("__"));
        String key;
        if (signatures.containsKey(InferenceModel.SIGNATURE)) {
            key = InferenceModel.SIGNATURE;
        } else if (signatures.size() == 1) {
            key = signatures.keySet().iterator().next();
        } else {
            throw new LearnException("model", "the model has no signature 'serving_default' (it has " + signatures.keySet()
                + "); export it with signatures={'serving_default': ...}");
        }
        SignatureDef def = signatures.get(key);
        String inputName = pick(def.getInputsMap(), InferenceModel.INPUT, "input", key);
        String outputName = pick(def.getOutputsMap(), InferenceModel.OUTPUT, "output", key);
        TensorInfo input = def.getInputsMap().get(inputName);
        if (input.getDtype() != DataType.DT_FLOAT) {
            throw new LearnException("model", "the model's input '" + inputName + "' is " + input.getDtype()
                + "; tf-fashion feeds float32 images in [0,1]");
        }
        List<Long> shape = dims(input.getTensorShape());
        boolean fits = shape.equals(List.of(-1L, 28L, 28L)) || shape.equals(List.of(-1L, 784L))
            || shape.equals(List.of(-1L, 28L, 28L, 1L));
        if (!fits) {
            throw new LearnException("model", "the model's input '" + inputName + "' has shape " + shape
                + "; tf-fashion feeds images as float32 [-1,28,28] (or [-1,784] or [-1,28,28,1]) in [0,1]");
        }
        return new ServingSignature(key, def.getMethodName(), inputName, shape, outputName);
    }

    private static String pick(Map<String, TensorInfo> tensors, String preferred, String what, String key) {
        if (tensors.containsKey(preferred)) {
            return preferred;
        }
        if (tensors.size() == 1) {
            return tensors.keySet().iterator().next();
        }
        throw new LearnException("model", "the model's signature '" + key + "' has " + tensors.size() + " " + what + "s "
            + tensors.keySet() + "; name the " + what + " '" + preferred + "'");
    }

    private static List<Long> dims(TensorShapeProto shape) {
        if (shape.getUnknownRank()) {
            return List.of();
        }
        return shape.getDimList().stream().map(TensorShapeProto.Dim::getSize).toList();
    }
}
