package dev.tffashion.filedrop.messaging;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import dev.tffashion.pipeline.graph.ValueType;
import dev.tffashion.pipeline.kafka.ValueEnvelope;

/**
 * The values of the pipeline's topics by id, oldest first and bounded ({@code file-drop.index.max-values}), as
 * {@link IndexedValue}s (envelope and position; the record's bytes only for the {@code keptRecords} most recent), with the two
 * links the API follows: image → tensor (the tensor's {@code image} lineage) and image → prediction (the prediction's own
 * {@code image} lineage, one hop, not image → tensor → prediction). The links need only a value's envelope. It also counts the
 * values each task output has published (every distinct id read, including those the bound later pushed out), which the UI shows
 * on the graph's links: the true count, where the values it loads are capped per task. Filled by {@link ValueIndex};
 * thread-safe.
 */
final class PipelineView {

    /** What adding a value did: whether it was new, and the oldest value it pushed out, if any. */
    record Added(boolean isNew, IndexedValue evicted) {
    }

    private static final String IMAGE_INPUT = "image";

    private final int maxValues;
    private final int keptRecords;
    private final LinkedHashMap<String, IndexedValue> values = new LinkedHashMap<>();
    private final ArrayDeque<IndexedValue> withRecord = new ArrayDeque<>();
    private final Map<String, String> tensorByImage = new ConcurrentHashMap<>();
    private final Map<String, String> predictionByImage = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Long>> counts = new TreeMap<>();

    /**
     * @param maxValues how many values the view keeps (the oldest goes first)
     * @param keptRecords how many of the most recent values keep their record's bytes in memory
     */
    PipelineView(int maxValues, int keptRecords) {
        if (maxValues < 1) {
            throw new IllegalArgumentException("file-drop.index.max-values must be at least 1, not " + maxValues);
        }
        if (keptRecords < 0) {
            throw new IllegalArgumentException("file-drop.index.kept-records must be 0 or more, not " + keptRecords);
        }
        this.maxValues = maxValues;
        this.keptRecords = keptRecords;
    }

    /**
     * Adds a value unless its id is known; the oldest value goes when the view is full. A value the drop path added learns where
     * its record is when Kafka hands it back.
     */
    Added add(IndexedValue value) {
        IndexedValue evicted = null;
        synchronized (values) {
            IndexedValue known = values.putIfAbsent(value.id(), value);
            if (known != null) {
                if (!known.hasPosition() && value.hasPosition()) {
                    known.readBack(value.record());
                    keepRecord(known);
                }
                return new Added(false, null);
            }
            ValueEnvelope envelope = value.envelope();
            counts.computeIfAbsent(String.valueOf(envelope.task()), t -> new TreeMap<>()).merge(String.valueOf(envelope.output()), 1L,
                Long::sum);
            if (value.record() != null) {
                keepRecord(value);
            }
            if (values.size() > maxValues) {
                Iterator<IndexedValue> oldest = values.values().iterator();
                evicted = oldest.next();
                oldest.remove();
            }
        }
        link(value.envelope());
        if (evicted != null) {
            unlink(evicted.envelope());
        }
        return new Added(true, evicted);
    }

    /** Called under the lock: the value keeps its record; the oldest kept record beyond the bound is let go. */
    private void keepRecord(IndexedValue value) {
        withRecord.addLast(value);
        while (withRecord.size() > keptRecords) {
            withRecord.removeFirst().forgetRecord();
        }
    }

    private void link(ValueEnvelope value) {
        if (ValueType.TENSOR.wireName().equals(value.type())) {
            value.sourceIds(IMAGE_INPUT).forEach(image -> tensorByImage.put(image, value.id()));
        } else if (ValueType.PREDICTION.wireName().equals(value.type())) {
            value.sourceIds(IMAGE_INPUT).forEach(image -> predictionByImage.putIfAbsent(image, value.id()));
        }
    }

    private void unlink(ValueEnvelope value) {
        if (ValueType.TENSOR.wireName().equals(value.type())) {
            value.sourceIds(IMAGE_INPUT).forEach(image -> tensorByImage.remove(image, value.id()));
        } else if (ValueType.PREDICTION.wireName().equals(value.type())) {
            value.sourceIds(IMAGE_INPUT).forEach(image -> predictionByImage.remove(image, value.id()));
        }
    }

    Optional<IndexedValue> get(String id) {
        synchronized (values) {
            return Optional.ofNullable(values.get(id));
        }
    }

    /** The tensor converted from a dropped image. */
    Optional<IndexedValue> tensorOfImage(String imageId) {
        return Optional.ofNullable(tensorByImage.get(imageId)).flatMap(this::get);
    }

    /** The (first) prediction made from a dropped image. */
    Optional<IndexedValue> predictionOfImage(String imageId) {
        return Optional.ofNullable(predictionByImage.get(imageId)).flatMap(this::get);
    }

    /** The most recent values, newest first, optionally of one task. */
    List<IndexedValue> recent(String task, int limit) {
        List<IndexedValue> all;
        synchronized (values) {
            all = new ArrayList<>(values.values());
        }
        List<IndexedValue> result = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0 && result.size() < limit; i--) {
            if (task == null || task.equals(all.get(i).envelope().task())) {
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
