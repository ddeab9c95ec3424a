package dev.tffashion.filedrop.messaging;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.graph.ValueType;

/**
 * The values of the pipeline's topics by id, oldest first and bounded ({@code file-drop.index.max-values}), with the two links
 * the API follows: image → tensor (the tensor's {@code image} lineage) and image → prediction (the prediction's own
 * {@code image} lineage, one hop, not image → tensor → prediction). The links need only a value's id, type and lineage. It also
 * counts the values each task output has published (every distinct id read, including those the bound later pushed out), which
 * the UI shows on the graph's links: the true count, where the values it loads are capped per task. Filled by
 * {@link ValueIndex}; thread-safe.
 */
final class PipelineView {

    /** What adding a value did: whether it was new, and the oldest value it pushed out, if any. */
    record Added(boolean isNew, AnnotatedValue evicted) {
    }

    private static final String IMAGE_INPUT = "image";

    private final int maxValues;
    private final LinkedHashMap<String, AnnotatedValue> values = new LinkedHashMap<>();
    private final Map<String, String> tensorByImage = new ConcurrentHashMap<>();
    private final Map<String, String> predictionByImage = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Long>> counts = new TreeMap<>();

    PipelineView(int maxValues) {
        if (maxValues < 1) {
            throw new IllegalArgumentException("file-drop.index.max-values must be at least 1, not " + maxValues);
        }
        this.maxValues = maxValues;
    }

    /** Adds a value unless its id is known; the oldest value goes when the view is full. */
    Added add(AnnotatedValue value) {
        AnnotatedValue evicted = null;
        synchronized (values) {
            if (values.putIfAbsent(value.id(), value) != null) {
                return new Added(false, null);
            }
            counts.computeIfAbsent(String.valueOf(value.task()), t -> new TreeMap<>()).merge(String.valueOf(value.output()), 1L, Long::sum);
            if (values.size() > maxValues) {
                Iterator<AnnotatedValue> oldest = values.values().iterator();
                evicted = oldest.next();
                oldest.remove();
            }
        }
        link(value);
        if (evicted != null) {
            unlink(evicted);
        }
        return new Added(true, evicted);
    }

    private void link(AnnotatedValue value) {
        if (ValueType.TENSOR.wireName().equals(value.type())) {
            value.sourceIds(IMAGE_INPUT).forEach(image -> tensorByImage.put(image, value.id()));
        } else if (ValueType.PREDICTION.wireName().equals(value.type())) {
            value.sourceIds(IMAGE_INPUT).forEach(image -> predictionByImage.putIfAbsent(image, value.id()));
        }
    }

    private void unlink(AnnotatedValue value) {
        if (ValueType.TENSOR.wireName().equals(value.type())) {
            value.sourceIds(IMAGE_INPUT).forEach(image -> tensorByImage.remove(image, value.id()));
        } else if (ValueType.PREDICTION.wireName().equals(value.type())) {
            value.sourceIds(IMAGE_INPUT).forEach(image -> predictionByImage.remove(image, value.id()));
        }
    }

    Optional<AnnotatedValue> get(String id) {
        synchronized (values) {
            return Optional.ofNullable(values.get(id));
        }
    }

    /** The tensor converted from a dropped image. */
    Optional<AnnotatedValue> tensorOfImage(String imageId) {
        return Optional.ofNullable(tensorByImage.get(imageId)).flatMap(this::get);
    }

    /** The (first) prediction made from a dropped image. */
    Optional<AnnotatedValue> predictionOfImage(String imageId) {
        return Optional.ofNullable(predictionByImage.get(imageId)).flatMap(this::get);
    }

    /** The most recent values, newest first, optionally of one task. */
    List<AnnotatedValue> recent(String task, int limit) {
        List<AnnotatedValue> all;
        synchronized (values) {
            all = new ArrayList<>(values.values());
        }
        List<AnnotatedValue> result = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0 && result.size() < limit; i--) {
            if (task == null || task.equals(all.get(i).task())) {
                result.add(all.get(i));
            }
        }
        return result;
    }

    /**
     * How many distinct values each task output has published, by task then output (a value pushed out by the bound still
     * counts; one read again after that counts twice).
     */
    Map<String, Map<String, Long>> counts() {
        synchronized (values) {
            Map<String, Map<String, Long>> copy = new TreeMap<>();
            counts.forEach((task, outputs) -> copy.put(task, Map.copyOf(outputs)));
            return copy;
        }
    }

    int size() {
        synchronized (values) {
            return values.size();
        }
    }
}
