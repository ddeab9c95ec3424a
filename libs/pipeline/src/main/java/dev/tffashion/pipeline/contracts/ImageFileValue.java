package dev.tffashion.pipeline.contracts;

import java.time.Instant;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.graph.ValueType;
import dev.tffashion.pipeline.store.ContentRef;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;

/**
 * The {@code imageInput.droppedFile} value, written by file-drop and read by image-convert: a dropped picture's bytes (inline up to
 * 64 KiB, else in the content store), its media type as file-drop recognised it, and the optional file name and Idempotency-Key.
 *
 * @param fileName       the uploaded file's name, or null
 * @param idempotencyKey the drop's {@code Idempotency-Key}, or null
 */
public record ImageFileValue(String id, String pipeline, ContentRef content, String fileName, String idempotencyKey,
        Instant createdAt) {

    /** The producing task and its output, as in the pipeline graph. */
    public static final String TASK = "imageInput";
    public static final String OUTPUT = "droppedFile";
    /** Annotation: the dropped file's name. */
    public static final String FILE_NAME = "fileName";
    /** Annotation: the drop's Idempotency-Key. */
    public static final String IDEMPOTENCY_KEY = "idempotencyKey";

    public ImageFileValue {
        if (id == null || id.isBlank() || pipeline == null || pipeline.isBlank() || content == null) {
            throw new IllegalArgumentException("an image value needs an id, a pipeline and its content");
        }
        createdAt = createdAt == null ? Instant.now() : createdAt;
    }

    /** The annotated value. */
    public AnnotatedValue toValue() {
        return AnnotatedValue.builder().id(id).pipeline(pipeline).task(TASK).output(OUTPUT).type(ValueType.IMAGE_FILE.wireName())
            .content(content).createdAt(createdAt).annotation(FILE_NAME, fileName).annotation(IDEMPOTENCY_KEY, idempotencyKey)
            .build();
    }

    /**
     * Reads an image value (its content stays where it is: {@link #bytes(ContentStore)} reads it).
     *
     * @throws MalformedValueException when it is not an imageFile value
     */
    public static ImageFileValue from(AnnotatedValue value) {
        if (!ValueType.IMAGE_FILE.wireName().equals(value.type())) {
            throw new MalformedValueException("value " + value.id() + " has type '" + value.type() + "', expected '"
                + ValueType.IMAGE_FILE.wireName() + "' on the imageInput topic");
        }
        return new ImageFileValue(value.id(), value.pipeline(), ContentRef.of(value), value.annotation(FILE_NAME),
            value.annotation(IDEMPOTENCY_KEY), value.createdAt());
    }

    /** The picture's bytes, verified against size and checksum. */
    public byte[] bytes(ContentStore store) {
        return Contents.read(store, content);
    }

    /** For messages: {@code picture <id> (<file name>)}. */
    public String describe() {
        return "picture " + id + (fileName == null ? "" : " (" + fileName + ")");
    }
}
