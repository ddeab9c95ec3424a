package dev.tffashion.predict;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.Map;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.store.ContentRef;
import dev.tffashion.pipeline.store.Contents;
import dev.tffashion.pipeline.store.Hashing;

/** Tensor and endpoint values as imageConvert and serve publish them (the shapes predict assumes; see DESIGN.md). */
public final class TestValues {

    private TestValues() {
    }

    /** A tensor value of the given shape and values, converted from the given image. */
    public static AnnotatedValue tensor(String imageId, int[] shape, float[] values) {
        byte[] json = Json.toBytes(Map.of("shape", shape, "dtype", "float32", "values", values));
        ContentRef content = new ContentRef(Contents.dataUri("application/json", json), "application/json", json.length,
            Hashing.sha256Hex(json));
        return AnnotatedValue.builder()
            .id(ValueIds.derived("imageConvert", "tensor", imageId))
            .pipeline("tf-fashion").task("imageConvert").output("tensor").type("tensor")
            .content(content)
            .sourceInput("image", imageId)
            .annotation("previewPng", "data:image/png;base64,iVBORw0KGgo=")
            .annotation("fileName", "shirt.png")
            .build();
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

    /** An endpoint value with the assumed annotations. */
    public static AnnotatedValue endpoint(String target, String model, Long version, String signature) {
        AnnotatedValue.Builder value = AnnotatedValue.builder()
            .id(ValueIds.derived("serve", "endpoint", model + ":" + version + ":" + target))
            .pipeline("tf-fashion").task("serve").output("endpoint").type("endpoint")
            .data(Contents.dataUri("text/plain", target.getBytes(StandardCharsets.UTF_8)))
            .mediaType("text/plain")
            .annotation(Endpoint.GRPC_TARGET, target)
            .annotation(Endpoint.MODEL_NAME, model)
            .annotation(Endpoint.MODEL_VERSION, version)
            .annotation(Endpoint.SIGNATURE_NAME, signature);
        return value.build();
    }
}
