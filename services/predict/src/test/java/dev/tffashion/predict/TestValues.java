package dev.tffashion.predict;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.contracts.EndpointValue;
import dev.tffashion.pipeline.contracts.TensorValue;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;

/** Tensor and endpoint values as imageConvert and serve publish them, built with the same contracts they use. */
public final class TestValues {

    private TestValues() {
    }

    /** A tensor value of the given shape and values, converted from the given image. */
    public static AnnotatedValue tensor(String imageId, int[] shape, float[] values) {
        return new TensorValue(TensorValue.idOf(imageId), "tf-fashion", imageId, shape, TensorValue.littleEndian(values),
            Map.of(TensorValue.PREVIEW_PNG, "iVBORw0KGgo=", TensorValue.FILE_NAME, "shirt.png"), null)
            .toValue(ContentStore.atFolder(Path.of("target", "test-store")));
    }

    /** A 28x28 tensor with a deterministic pattern. */
    public static AnnotatedValue tensor(String imageId, long seed) {
        return tensor(imageId, new int[] {28, 28}, pixels(seed, 784));
    }

    /** Deterministic pixels in [0,1]. */
    public static float[] pixels(long seed, int count) {
        Random random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = random.nextFloat();
        }
        return values;
    }

    /** An endpoint value as serve announces it (version null: TF Serving's latest). */
    public static AnnotatedValue endpoint(String target, String model, Long version, String signature) {
        return new EndpointValue(target, null, model, version, signature, null, null,
            ValueIds.derived("learn", "model", model + ":" + version + ":" + target), null, "external").toValue("tf-fashion");
    }

    /** A value with the given content type and bytes inline, for refusals. */
    public static AnnotatedValue withContent(AnnotatedValue value, String mediaType, byte[] bytes) {
        return value.toBuilder().content(Contents.inline(bytes, mediaType)).build();
    }
}
