package dev.tffashion.learn.training;

import dev.tffashion.learn.ModelKind;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The trained values of a network's parameters, by name (see {@link Network#parameters}), detached from any graph. */
public record TrainedParameters(ModelKind kind, Map<String, float[]> values) {

    public TrainedParameters {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** Number of trainable values. */
    public long count() {
        return values.values().stream().mapToLong(v -> v.length).sum();
    }
}
