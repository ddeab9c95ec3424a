package dev.tffashion.pipeline.contracts;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.common.header.Headers;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.graph.ValueType;
import dev.tffashion.pipeline.kafka.CloudEventHeaders;
import dev.tffashion.pipeline.kafka.ValueEnvelope;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.ContentStoreException;
import dev.tffashion.pipeline.store.Contents;
import dev.tffashion.pipeline.store.Hashing;

/**
 * The {@code imageConvert.tensor} value, written by image-convert and read by predict and file-drop: the model's input for one
 * dropped picture as raw float32 little-endian values, row-major, with its shape in the media type
 * ({@code application/x-tensor; dtype=float32; shape=28,28; byte-order=little-endian}). On Kafka the record's value is exactly those
 * bytes and the rest travels in headers (see {@link ValueRecords}). The 28x28 preview PNG is made once, here, and read by the UI
 * through a prediction's lineage; the tensor also carries the dropped file's name and the preprocessing notes.
 *
 * @param id        the value id, {@link #idOf(String)} of the image
 * @param imageId   the dropped image it was made from (lineage input {@value #INPUT}), or null for a tensor made elsewhere
 * @param shape     its dimensions, e.g. {@code [28,28]}
 * @param data      {@code 4 * product(shape)} bytes: float32 little-endian, row-major; do not modify
 * @param annotations {@value #PREVIEW_PNG}, {@value #FILE_NAME} and the preprocessing notes
 */
public record TensorValue(String id, String pipeline, String imageId, int[] shape, byte[] data, Map<String, String> annotations,
        Instant createdAt) {

    /** The producing task, its output and its lineage input, as in the pipeline graph. */
    public static final String TASK = "imageConvert";
    public static final String OUTPUT = "tensor";
    public static final String INPUT = "image";
    /** Annotation: the 28x28 preview as base64 PNG (no {@code data:} prefix). */
    public static final String PREVIEW_PNG = "previewPng";
    /** Annotation: the dropped file's name, carried over from the image. */
    public static final String FILE_NAME = ImageFileValue.FILE_NAME;
    /** The only element type. */
    public static final String DTYPE = "float32";
    /** The most values a tensor may have (a 28x28 picture has 784). */
    public static final int MAX_VALUES = 1 << 20;

    public TensorValue {
        requireText(id, "id");
        requireText(pipeline, "pipeline");
        shape = shape.clone();
        long count = count(shape, "tensor " + id);
        if (data.length != count * Float.BYTES) {
            throw new IllegalArgumentException("tensor " + id + ": shape " + dims(shape) + " needs " + count * Float.BYTES
                + " bytes of float32, got " + data.length);
        }
        annotations = annotations == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(annotations));
        createdAt = createdAt == null ? Instant.now() : createdAt;
    }

    /** The tensor made from a dropped image: id derived from the image id, so a replay yields the same id. */
    public static TensorValue ofImage(String pipeline, String imageId, float[] values, int[] shape, String fileName,
            Map<String, String> notes) {
        Map<String, String> annotations = new LinkedHashMap<>();
        if (fileName != null) {
            annotations.put(FILE_NAME, fileName);
        }
        annotations.putAll(notes);
        return new TensorValue(idOf(imageId), pipeline, imageId, shape, littleEndian(values), annotations, Instant.now());
    }

    /** The id of the tensor made from an image. */
    public static String idOf(String imageId) {
        return ValueIds.derived(TASK, OUTPUT, imageId);
    }

    /** The media type of a float32 little-endian tensor of this shape. */
    public static String mediaType(int... shape) {
        return ValueRecords.TENSOR_MEDIA_TYPE + "; dtype=" + DTYPE + "; shape="
            + Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(",")) + "; byte-order=little-endian";
    }

    /** The annotated value; its content (the raw values) is inline unless unusually large. */
    public AnnotatedValue toValue(ContentStore store) {
        AnnotatedValue.Builder value = AnnotatedValue.builder().id(id).pipeline(pipeline).task(TASK).output(OUTPUT)
            .type(ValueType.TENSOR.wireName()).content(Contents.store(store, data, mediaType(shape))).createdAt(createdAt)
            .annotations(annotations);
        if (imageId != null) {
            value.sourceInput(INPUT, imageId);
        }
        return value.build();
    }

    /**
     * Reads a tensor value: its type, its media type (dtype, shape, byte order), its content (checksum verified) and that every value
     * is a finite number.
     *
     * @throws MalformedValueException saying what is wrong
     */
    public static TensorValue from(AnnotatedValue value, ContentStore store) {
        String what = "tensor value " + value.id();
        if (!ValueType.TENSOR.wireName().equals(value.type())) {
            throw new MalformedValueException(what + " has type '" + value.type() + "', expected '" + ValueType.TENSOR.wireName()
                + "' on the imageConvert.tensor topic");
        }
        int[] shape = shapeOf(what, value.mediaType());
        byte[] data;
        try {
            data = Contents.read(store, value);
        } catch (ContentStoreException e) {
            throw new MalformedValueException(what + ": cannot read its content: " + e.getMessage(), e);
        }
        return checked(what, value.id(), value.pipeline(), value.sourceIds(INPUT), shape, data, value.annotations(),
            value.createdAt());
    }

    /**
     * The tensor a record carries, read without an annotated value in between: a raw tensor record's payload is the values
     * themselves (checked against its {@code tf_sha256} header, never copied into a {@code data:} string), its id, lineage and
     * annotations come from its headers. A record in any other form is read through {@link ValueRecords#decode} and
     * {@link #from}, which also say precisely what is wrong with a broken one.
     *
     * @throws MalformedValueException saying what is wrong
     */
    public static TensorValue fromRecord(Headers headers, byte[] payload, ContentStore store) {
        String contentType = CloudEventHeaders.text(headers, CloudEventHeaders.CONTENT_TYPE);
        String sha256 = CloudEventHeaders.text(headers, ValueRecords.TF_SHA256);
        ValueEnvelope envelope = payload == null || payload.length == 0 || sha256 == null || !ValueRecords.isTensorMediaType(contentType)
            ? null : ValueRecords.envelope(headers).orElse(null);
        if (envelope == null || envelope.pipeline() == null || envelope.createdAt() == null) {
            return from(ValueRecords.decode(headers, payload), store);
        }
        String what = "tensor value " + envelope.id();
        if (!ValueType.TENSOR.wireName().equals(envelope.type())) {
            throw new MalformedValueException(what + " has type '" + envelope.type() + "', expected '" + ValueType.TENSOR.wireName()
                + "' on the imageConvert.tensor topic");
        }
        if (!sha256.equalsIgnoreCase(Hashing.sha256Hex(payload))) {
            throw new MalformedValueException(what + ": its values do not match their checksum (header " + ValueRecords.TF_SHA256
                + "): the record was altered or damaged");
        }
        return checked(what, envelope.id(), envelope.pipeline(), envelope.sourceIds(INPUT), shapeOf(what, contentType), payload,
            ValueRecords.annotations(headers), envelope.createdAt());
    }

    private static TensorValue checked(String what, String id, String pipeline, List<String> images, int[] shape, byte[] data,
            Map<String, String> annotations, Instant createdAt) {
        long count = count(shape, what);
        if (data.length != count * Float.BYTES) {
            throw new MalformedValueException(what + ": shape " + dims(shape) + " needs " + count + " float32 values ("
                + count * Float.BYTES + " bytes), but the content has " + data.length + " bytes");
        }
        ByteBuffer floats = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            float v = floats.getFloat(i * Float.BYTES);
            if (!Float.isFinite(v)) {
                throw new MalformedValueException(what + ": value " + i + " is " + v + ", not a finite number");
            }
        }
        return new TensorValue(id, pipeline, images.isEmpty() ? null : images.get(0), shape, data, annotations, createdAt);
    }

    /** The shape a tensor media type states; anything but float32 little-endian raw values is refused, saying what is expected. */
    public static int[] shapeOf(String what, String mediaType) {
        String expected = "; a tensor's content is raw float32 little-endian values, media type " + mediaType(28, 28);
        if (!ValueRecords.isTensorMediaType(mediaType)) {
            throw new MalformedValueException(what + " has content of type " + mediaType + expected);
        }
        Map<String, String> params = new LinkedHashMap<>();
        String[] parts = mediaType.split(";");
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq > 0) {
                params.put(parts[i].substring(0, eq).strip().toLowerCase(Locale.ROOT), parts[i].substring(eq + 1).strip());
            }
        }
        String dtype = params.getOrDefault("dtype", "");
        if (!DTYPE.equalsIgnoreCase(dtype)) {
            throw new MalformedValueException(what + ": dtype '" + dtype + "' is not supported" + expected);
        }
        String order = params.getOrDefault("byte-order", "");
        if (!"little-endian".equalsIgnoreCase(order)) {
            throw new MalformedValueException(what + ": byte-order '" + order + "' is not supported" + expected);
        }
        String text = params.get("shape");
        if (text == null || text.isBlank()) {
            throw new MalformedValueException(what + ": its media type states no shape" + expected);
        }
        String[] dims = text.split(",");
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            try {
                shape[i] = Integer.parseInt(dims[i].strip());
            } catch (NumberFormatException e) {
                shape[i] = -1;
            }
            if (shape[i] <= 0) {
                throw new MalformedValueException(what + ": shape '" + text + "' must list positive whole numbers" + expected);
            }
        }
        count(shape, what);
        return shape;
    }

    /** The values as floats (a copy); predict sends {@link #data()} as it is. */
    public float[] values() {
        float[] values = new float[data.length / Float.BYTES];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    /** Floats as float32 little-endian bytes. */
    public static byte[] littleEndian(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return bytes.array();
    }

    /** The dropped file's name, or null. */
    public String fileName() {
        return annotations.get(FILE_NAME);
    }

    /** The 28x28 preview PNG of a tensor written before previews were made on request (file-drop renders it now), or null. */
    public byte[] previewPng() {
        String base64 = annotations.get(PREVIEW_PNG);
        return base64 == null ? null : Base64.getDecoder().decode(base64);
    }

    /** The shape as {@code [28,28]}. */
    public static String dims(int[] shape) {
        return Arrays.toString(shape).replace(" ", "");
    }

    private static long count(int[] shape, String what) {
        if (shape.length == 0) {
            throw new IllegalArgumentException(what + ": a tensor needs at least one dimension");
        }
        long count = 1;
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException(what + ": shape " + dims(shape) + " must list positive whole numbers");
            }
            count *= d;
            if (count > MAX_VALUES) {
                throw new MalformedValueException(what + ": shape " + dims(shape) + " has more than " + MAX_VALUES
                    + " values, far more than a 28x28 picture");
            }
        }
        return count;
    }

    private static void requireText(String text, String field) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a tensor value needs its " + field);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorValue t && id.equals(t.id) && pipeline.equals(t.pipeline) && java.util.Objects.equals(imageId, t.imageId)
            && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data) && annotations.equals(t.annotations)
            && createdAt.equals(t.createdAt);
    }

    @Override
    public int hashCode() {
        return id.hashCode() * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "TensorValue[" + id + ", shape " + dims(shape) + ", image " + imageId + "]";
    }
}
