package dev.tffashion.filedrop.trace;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.tffashion.filedrop.config.TracesConfig;

/**
 * The recent spans the local OTLP receiver got ({@link OtlpReceiver}), in a bounded ring: once full, each new span takes the place
 * of the oldest. Sized by {@code file-drop.traces.capacity} (spans; about 20 bytes of overhead plus its names and attributes each).
 */
@Singleton
public class SpanRing {

    private final StoredSpan[] ring;
    private int next;
    private long received;

    @Inject
    public SpanRing(TracesConfig config) {
        this(config.capacity());
    }

    /** A ring of {@code capacity} spans. */
    public SpanRing(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("file-drop.traces.capacity must be at least 1 span, got " + capacity
                + "; set it to how many recent spans the local trace receiver keeps (default 20000)");
        }
        this.ring = new StoredSpan[capacity];
    }

    /** Keeps the spans, pushing out the oldest ones when the ring is full. */
    public synchronized void add(List<StoredSpan> spans) {
        for (StoredSpan span : spans) {
            ring[next] = span;
            next = (next + 1) % ring.length;
            received++;
        }
    }

    /** How many spans were received since the start (kept or pushed out). */
    public synchronized long received() {
        return received;
    }

    /** The spans kept, oldest first. */
    public synchronized List<StoredSpan> snapshot() {
        List<StoredSpan> all = new ArrayList<>(ring.length);
        for (int i = 0; i < ring.length; i++) {
            StoredSpan span = ring[(next + i) % ring.length];
            if (span != null) {
                all.add(span);
            }
        }
        return all;
    }

    /**
     * The trace of a value: the trace of the newest span that produced or worked on the value with this id (a picture, a tensor, a
     * prediction), its spans, and the spans of batches that link to it (a batch of several pictures runs in the first one's trace and
     * links the others) with their children, each span once (an exporter that sends a batch again after a timeout leaves two
     * copies in the ring; the first is shown). Empty when no span names the id.
     */
    public List<StoredSpan> traceOf(String valueId) {
        List<StoredSpan> all = snapshot();
        String traceId = traceId(all, valueId);
        if (traceId == null) {
            return List.of();
        }
        List<StoredSpan> trace = new ArrayList<>();
        Set<String> spanIds = new HashSet<>();
        for (StoredSpan span : all) {
            if (span.traceId().equals(traceId) && spanIds.add(span.spanId())) {
                trace.add(span);
            }
        }
        // Batches in another picture's trace that link to this one's spans, and what ran under them (the Predict call)
        Set<String> linked = new HashSet<>();
        for (StoredSpan span : all) {
            if (!span.traceId().equals(traceId) && span.links().stream().anyMatch(l -> l.traceId().equals(traceId)
                    && spanIds.contains(l.spanId())) && linked.add(span.spanId())) {
                trace.add(span.asLinked());
            }
        }
        boolean grew = !linked.isEmpty();
        while (grew) {
            grew = false;
            for (StoredSpan span : all) {
                if (!span.traceId().equals(traceId) && span.parentSpanId() != null && linked.contains(span.parentSpanId())
                        && linked.add(span.spanId())) {
                    trace.add(span.asLinked());
                    grew = true;
                }
            }
        }
        trace.sort((a, b) -> Long.compare(a.startNanos(), b.startNanos()));
        return trace;
    }

    private static String traceId(List<StoredSpan> all, String valueId) {
        for (int i = all.size() - 1; i >= 0; i--) {
            StoredSpan span = all.get(i);
            if (valueId.equals(span.attributes().get(StoredSpan.OUTPUT_ID)) || valueId.equals(span.attributes().get(StoredSpan.INPUT_ID))) {
                return span.traceId();
            }
        }
        return null;
    }
}
