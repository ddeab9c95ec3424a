package dev.tffashion.learn.training;

import dev.tffashion.learn.ModelKind;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The trained values of a network's parameters (its {@link Architecture}), by name (see {@link Network#parameters}), detached
 * from any graph.
 */
public record TrainedParameters(Architecture architecture, Map<String, float[]> values) {

    public TrainedParameters {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** The model kind. */
    public ModelKind kind() {
        return architecture.kind();
    }

    /** Number of values (weights, and batch normalisation's moving averages). */
    public long count() {
        return values.values().stream().mapToLong(v -> v.length).sum();
    }
}
