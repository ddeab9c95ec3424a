package dev.tffashion.pipeline;

import java.util.List;

/** Lineage entry of an annotated value: the values of one input that it was made from. */
public record SourceInput(String input, List<String> ids) {

    public SourceInput {
        if (input == null || input.isBlank()) {
            throw new IllegalArgumentException("source input name is required");
        }
        ids = ids == null ? List.of() : List.copyOf(ids);
    }

    public static SourceInput of(String input, String... ids) {
        return new SourceInput(input, List.of(ids));
    }
}
