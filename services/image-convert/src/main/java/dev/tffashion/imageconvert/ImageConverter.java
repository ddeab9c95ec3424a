package dev.tffashion.imageconvert;

import dev.tffashion.imaging.ImageRejectedException;
import dev.tffashion.imaging.ModelInput;
import dev.tffashion.imaging.Preprocessor;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.graph.ValueType;
import dev.tffashion.pipeline.store.ContentIntegrityException;
import dev.tffashion.pipeline.store.ContentRef;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.ContentStoreException;
import dev.tffashion.pipeline.store.Contents;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The imageConvert task without Kafka: an {@code imageInput.droppedFile} record in, an {@code imageConvert.tensor}
 * value out. The tensor's content is JSON {@code {"shape":[28,28],"dtype":"float32","values":[784 floats]}}, inline;
 * its id is derived from the image id, so a replay gives the same id; its annotations carry the 28x28 preview PNG
 * (base64, {@code previewPng}), the dropped file's name and the preprocessing notes.
 */
public final class ImageConverter {

    /** The task's name in the pipeline graph. */
    public static final String TASK = "imageConvert";
    /** The task's input (lineage name) and output. */
    public static final String INPUT = "image";
    public static final String OUTPUT = "tensor";
    /** Annotation: the 28x28 preview as base64 PNG (no {@code data:} prefix). */
    public static final String PREVIEW_PNG = "previewPng";
    /** Annotation copied from the dropped picture. */
    public static final String FILE_NAME = "fileName";
    /** Media type of the tensor content. */
    public static final String TENSOR_MEDIA_TYPE = "application/json";

    private final Preprocessor preprocessor;
    private final PipelineGraph graph;
    private final ContentStore store;

    public ImageConverter(Preprocessor preprocessor, PipelineGraph graph, ContentStore store) {
        this.preprocessor = preprocessor;
        this.graph = graph;
        this.store = store;
        graph.output(TASK, OUTPUT);
    }

    /**
     * Converts one record of the image topic.
     *
     * @param key    the record key (the image value id), for messages
     * @param record the record's bytes, an annotated value of type imageFile
     * @return the tensor value to publish
     * @throws ConversionException when the record or its picture cannot be converted; the message says why
     */
    public AnnotatedValue convert(String key, byte[] record) throws ConversionException {
        AnnotatedValue image = parse(key, record);
        String what = describe(image);
        byte[] picture;
        try {
            picture = Contents.read(store, image);
        } catch (ContentIntegrityException e) {
            throw new ConversionException(ConversionException.CONTENT_UNREADABLE, what + ": its content does not match the value ("
                + e.getMessage() + "): it was altered or damaged. Drop the picture again.", e);
        } catch (ContentStoreException e) {
            throw new ConversionException(ConversionException.CONTENT_UNREADABLE, what + ": its content cannot be read ("
                + e.getMessage() + "). The content store (tf-fashion.store.root) must be the folder file-drop writes to.", e);
        }
        ImageTensor tensor;
        try {
            ModelInput input = preprocessor.preprocess(picture);
            tensor = new ImageTensor(input.pixels(), ModelInput.SIDE, ModelInput.SIDE, input.previewPng(), input.notes());
        } catch (ImageRejectedException e) {
            throw ConversionException.of(e, what);
        }
        return tensorValue(image, tensor);
    }

    /** The tensor value made from a picture value and its tensor. */
    public AnnotatedValue tensorValue(AnnotatedValue image, ImageTensor tensor) {
        ContentRef content = Contents.store(store, contentJson(tensor), TENSOR_MEDIA_TYPE);
        Map<String, String> annotations = new LinkedHashMap<>();
        if (image.annotation(FILE_NAME) != null) annotations.put(FILE_NAME, image.annotation(FILE_NAME));
        annotations.putAll(tensor.notes());
        annotations.put(PREVIEW_PNG, Base64.getEncoder().encodeToString(tensor.previewPng()));
        return AnnotatedValue.builder()
            .id(ValueIds.derived(TASK, OUTPUT, image.id()))
            .pipeline(graph.name())
            .task(TASK)
            .output(OUTPUT)
            .type(ValueType.TENSOR.wireName())
            .content(content)
            .sourceInput(INPUT, image.id())
            .createdAt(Instant.now())
            .annotations(annotations)
            .build();
    }

    /** {@code {"shape":[h,w],"dtype":"float32","values":[...]}}; each float written so that it parses back exactly. */
    public static byte[] contentJson(ImageTensor tensor) {
        StringBuilder json = new StringBuilder(tensor.pixels().length * 12 + 64);
        json.append("{\"shape\":[").append(tensor.height()).append(',').append(tensor.width())
            .append("],\"dtype\":\"float32\",\"values\":[");
        float[] pixels = tensor.pixels();
        for (int i = 0; i < pixels.length; i++) {
            if (i > 0) json.append(',');
            float v = pixels[i];
            if (v == 0f) {
                json.append('0');
            } else if (v == 1f) {
                json.append('1');
            } else {
                json.append(Float.toString(v));
            }
        }
        return json.append("]}").toString().getBytes(StandardCharsets.US_ASCII);
    }

    private AnnotatedValue parse(String key, byte[] record) throws ConversionException {
        String recordName = "record " + (key == null ? "without a key" : key);
        if (record == null) {
            throw new ConversionException(ConversionException.MALFORMED_VALUE, recordName + " has no value (a tombstone?): expected"
                + " an annotated imageFile value from imageInput", null);
        }
        AnnotatedValue value;
        try {
            value = Json.fromBytes(record, AnnotatedValue.class);
        } catch (MalformedValueException e) {
            throw new ConversionException(ConversionException.MALFORMED_VALUE, recordName + " is not an annotated value ("
                + e.getMessage() + "); pictures are dropped through file-drop's POST /imageInput", e);
        }
        if (!ValueType.IMAGE_FILE.wireName().equals(value.type())) {
            throw new ConversionException(ConversionException.WRONG_TYPE, "value " + value.id() + " has type '" + value.type()
                + "', expected '" + ValueType.IMAGE_FILE.wireName() + "' on the imageInput topic", null);
        }
        return value;
    }

    private static String describe(AnnotatedValue image) {
        String name = image.annotation(FILE_NAME);
        return "picture " + image.id() + (name == null ? "" : " (" + name + ")");
    }
}
