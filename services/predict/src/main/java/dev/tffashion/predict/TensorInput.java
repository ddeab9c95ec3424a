package dev.tffashion.predict;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.graph.ValueType;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.ContentStoreException;
import dev.tffashion.pipeline.store.Contents;

/**
 * A tensor to classify, read from an {@code imageConvert.tensor} value: its id, the dropped images it came from, and its float32
 * values with their shape. The value's content is JSON {@code {"shape":[28,28],"dtype":"float32","values":[784 floats]}}.
 */
public record TensorInput(AnnotatedValue value, List<String> imageIds, int[] shape, float[] values) {

    /** The lineage input of a tensor value that names the dropped image. */
    public static final String IMAGE_INPUT = "image";

    /** The most values a tensor may have (a 28x28 picture has 784). */
    public static final int MAX_VALUES = 1 << 20;

    public TensorInput {
        imageIds = List.copyOf(imageIds);
    }

    /** The tensor value's id (the record key). */
    public String tensorId() {
        return value.id();
    }

    /** Reads a tensor record's bytes; anything that is not a well-formed tensor value raises {@link RejectedInputException}. */
    public static TensorInput parse(String key, byte[] record, ContentStore store) {
        if (record == null) {
            throw new RejectedInputException("record " + describeKey(key) + " has no value (a tombstone?): expected an annotated tensor "
                + "value");
        }
        AnnotatedValue value;
        try {
            value = Json.fromBytes(record, AnnotatedValue.class);
        } catch (MalformedValueException e) {
            throw new RejectedInputException("record " + describeKey(key) + " is not an annotated value (" + e.getMessage()
                + "); tensors are published by imageConvert as UTF-8 JSON annotated values", e);
        }
        if (value == null) {
            throw new RejectedInputException("record " + describeKey(key) + " is JSON null, not an annotated tensor value");
        }
        return of(value, store);
    }

    /** Reads a tensor value's content from its data URI or the content store, verified against its checksum. */
    public static TensorInput of(AnnotatedValue value, ContentStore store) {
        String what = "tensor value " + value.id();
        if (!ValueType.TENSOR.wireName().equals(value.type())) {
            throw new RejectedInputException(what + " has type '" + value.type() + "', expected '" + ValueType.TENSOR.wireName()
                + "' on the imageConvert.tensor topic");
        }
        if (value.mediaType() != null && !value.mediaType().toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new RejectedInputException(what + " has content of type " + value.mediaType() + "; predict reads application/json "
                + "tensors {\"shape\":[28,28],\"dtype\":\"float32\",\"values\":[...]}");
        }
        byte[] content;
        try {
            content = Contents.read(store, value);
        } catch (ContentStoreException e) {
            throw new RejectedInputException(what + ": cannot read its content: " + e.getMessage(), e);
        }
        JsonNode root = tree(what, content);
        int[] shape = readShape(what, root);
        return new TensorInput(value, value.sourceIds(IMAGE_INPUT), shape, readValues(what, root, shape));
    }

    private static float[] readValues(String what, JsonNode root, int[] shape) {
        JsonNode values = root.get("values");
        if (values == null || !values.isArray()) {
            throw new RejectedInputException(what + ": content has no \"values\" array of floats");
        }
        int expected = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        if (values.size() != expected) {
            throw new RejectedInputException(what + ": \"shape\" " + Arrays.toString(shape) + " needs " + expected + " values, but "
                + "\"values\" has " + values.size());
        }
        float[] floats = new float[expected];
        for (int i = 0; i < expected; i++) {
            JsonNode v = values.get(i);
            if (!v.isNumber() || !Float.isFinite((float) v.asDouble())) {
                throw new RejectedInputException(what + ": value " + i + " is " + abbreviate(v.toString()) + ", not a finite number");
            }
            floats[i] = (float) v.asDouble();
        }
        return floats;
    }

    private static int[] readShape(String what, JsonNode root) {
        JsonNode dtype = root.get("dtype");
        if (dtype != null && !dtype.isNull() && !"float32".equalsIgnoreCase(dtype.asText())) {
            throw new RejectedInputException(what + ": dtype '" + dtype.asText() + "' is not supported; predict reads float32 tensors");
        }
        JsonNode shape = root.get("shape");
        if (shape == null || !shape.isArray() || shape.isEmpty()) {
            throw new RejectedInputException(what + ": content has no \"shape\" (a list of dimensions such as [28,28])");
        }
        int[] dims = new int[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.canConvertToInt() || !d.isIntegralNumber() || d.asInt() <= 0) {
                throw new RejectedInputException(what + ": \"shape\" " + shape + " must list positive whole numbers");
            }
            dims[i] = d.asInt();
        }
        long count = 1;
        for (int d : dims) {
            count *= d;
            if (count > MAX_VALUES) {
                throw new RejectedInputException(what + ": \"shape\" " + shape + " has more than " + MAX_VALUES
                    + " values, far more than a 28x28 picture");
            }
        }
        return dims;
    }

    private static JsonNode tree(String what, byte[] content) {
        try {
            JsonNode root = Json.mapper().readTree(content);
            if (root == null || !root.isObject()) {
                throw new RejectedInputException(what + ": content is not a JSON object {\"shape\":...,\"values\":...}");
            }
            return root;
        } catch (IOException e) {
            throw new RejectedInputException(what + ": content is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static String describeKey(String key) {
        return key == null ? "without key" : "'" + abbreviate(key) + "'";
    }

    private static String abbreviate(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInput t && value.equals(t.value) && Arrays.equals(shape, t.shape) && Arrays.equals(values, t.values);
    }

    @Override
    public int hashCode() {
        return value.hashCode() * 31 + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "TensorInput[" + value.id() + ", shape " + Arrays.toString(shape) + "]";
    }
}
