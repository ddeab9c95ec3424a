package dev.tffashion.pipeline.kafka;

import java.time.Instant;
import java.util.List;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.SourceInput;

/**
 * What a pipeline record says about its value in its headers alone: id, type, where it was made and from what. Read by
 * {@link ValueRecords#envelope}, for readers that need only ids and lineage (indexes, ledgers, tools) and never the payload.
 *
 * @param createdAt the value's creation time, or null when the record has no {@code ce_time}
 */
public record ValueEnvelope(String id, String type, String pipeline, String task, String output, Instant createdAt,
        List<SourceInput> sourceInputs) {

    public ValueEnvelope {
        sourceInputs = sourceInputs == null ? List.of() : List.copyOf(sourceInputs);
    }

    /** The envelope of a value in hand (what its record's headers say about it). */
    public static ValueEnvelope of(AnnotatedValue value) {
        return new ValueEnvelope(value.id(), value.type(), value.pipeline(), value.task(), value.output(), value.createdAt(),
            value.sourceInputs());
    }

    /** All ids of the given lineage input (empty when absent). */
    public List<String> sourceIds(String input) {
        return sourceInputs.stream().filter(s -> s.input().equals(input)).findFirst().map(SourceInput::ids).orElse(List.of());
    }
}
