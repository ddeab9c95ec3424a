package dev.tffashion.pipeline;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The one message shape of every pipeline topic: where a value came from, a URI to its content (inline {@code data:} or
 * {@code store:sha256:}), the content's checksum, its lineage and free-form annotations. The record key on Kafka is {@link #id()}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnnotatedValue(
        String id,
        String pipeline,
        String task,
        String output,
        String type,
        String data,
        String mediaType,
        long size,
        String sha256,
        List<SourceInput> sourceInputs,
        Instant createdAt,
        Map<String, String> annotations) {

    public AnnotatedValue {
        requireText(id, "id");
        requireText(pipeline, "pipeline");
        requireText(task, "task");
        requireText(output, "output");
        requireText(type, "type");
        requireText(data, "data");
        sourceInputs = sourceInputs == null ? List.of() : List.copyOf(sourceInputs);
        annotations = annotations == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(annotations));
        Objects.requireNonNull(createdAt, "createdAt");
    }

    private static void requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("annotated value field '" + field + "' is required");
        }
    }

    /** The annotation, or null. */
    public String annotation(String key) {
        return annotations.get(key);
    }

    /** All ids of the given lineage input (empty when absent). */
    public List<String> sourceIds(String input) {
        return sourceInputs.stream().filter(s -> s.input().equals(input)).findFirst().map(SourceInput::ids).orElse(List.of());
    }

    public Builder toBuilder() {
        return new Builder().id(id).pipeline(pipeline).task(task).output(output).type(type).data(data).mediaType(mediaType)
                .size(size).sha256(sha256).sourceInputs(sourceInputs).createdAt(createdAt).annotations(annotations);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds an {@link AnnotatedValue}; {@link #content(ContentRefLike)} fills data, media type, size and hash at once. */
    public static final class Builder {
        private String id;
        private String pipeline;
        private String task;
        private String output;
        private String type;
        private String data;
        private String mediaType;
        private long size;
        private String sha256;
        private final List<SourceInput> sourceInputs = new ArrayList<>();
        private Instant createdAt;
        private final Map<String, String> annotations = new LinkedHashMap<>();

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder pipeline(String pipeline) {
            this.pipeline = pipeline;
            return this;
        }

        public Builder task(String task) {
            this.task = task;
            return this;
        }

        public Builder output(String output) {
            this.output = output;
            return this;
        }

        public Builder type(String type) {
            this.type = type;
            return this;
        }

        public Builder data(String data) {
            this.data = data;
            return this;
        }

        public Builder mediaType(String mediaType) {
            this.mediaType = mediaType;
            return this;
        }

        public Builder size(long size) {
            this.size = size;
            return this;
        }

        public Builder sha256(String sha256) {
            this.sha256 = sha256;
            return this;
        }

        /** Sets data, media type, size and checksum from stored content. */
        public Builder content(ContentRefLike content) {
            return data(content.uri()).mediaType(content.mediaType()).size(content.size()).sha256(content.sha256());
        }

        public Builder sourceInputs(List<SourceInput> inputs) {
            sourceInputs.clear();
            sourceInputs.addAll(inputs);
            return this;
        }

        public Builder sourceInput(String input, String... ids) {
            sourceInputs.add(SourceInput.of(input, ids));
            return this;
        }

        public Builder createdAt(Instant createdAt) {
            this.createdAt = createdAt;
            return this;
        }

        public Builder annotations(Map<String, String> values) {
            annotations.clear();
            annotations.putAll(values);
            return this;
        }

        public Builder annotation(String key, Object value) {
            if (value != null) {
                annotations.put(key, String.valueOf(value));
            }
            return this;
        }

        public AnnotatedValue build() {
            return new AnnotatedValue(id, pipeline, task, output, type, data, mediaType, size, sha256, sourceInputs,
                    createdAt == null ? Instant.now() : createdAt, annotations);
        }
    }

    /** What the builder needs of stored content; implemented by {@code store.ContentRef}. */
    public interface ContentRefLike {
        String uri();

        String mediaType();

        long size();

        String sha256();
    }
}
