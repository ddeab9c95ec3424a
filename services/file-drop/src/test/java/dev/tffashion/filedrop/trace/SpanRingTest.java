package dev.tffashion.filedrop.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The local receiver's ring: what a value's trace holds, once each, and how the ring forgets. */
class SpanRingTest {

    private static StoredSpan span(String trace, String id, String parent, long start, Map<String, String> attributes,
            List<StoredSpan.Link> links) {
        return new StoredSpan(trace, id, parent, "span-" + id, "svc", "INTERNAL", start, start + 10, attributes, links, null, false);
    }

    private static List<String> ids(List<StoredSpan> spans) {
        return spans.stream().map(StoredSpan::spanId).toList();
    }

    @Test
    void aValuesTraceHoldsItsSpansAndTheBatchesThatLinkToItInStartOrder() {
        SpanRing ring = new SpanRing(100);
        ring.add(List.of(
                span("t1", "drop", null, 1, Map.of(StoredSpan.OUTPUT_ID, "picture-1"), List.of()),
                span("t1", "convert", "drop", 2, Map.of(StoredSpan.INPUT_ID, "picture-1"), List.of()),
                span("t2", "other", null, 3, Map.of(StoredSpan.OUTPUT_ID, "picture-2"), List.of()),
                span("t2", "batch", "other", 4, Map.of(), List.of(new StoredSpan.Link("t1", "convert"))),
                span("t2", "predict-call", "batch", 5, Map.of(), List.of())));

        List<StoredSpan> trace = ring.traceOf("picture-1");

        assertEquals(List.of("drop", "convert", "batch", "predict-call"), ids(trace));
        assertEquals(List.of("batch", "predict-call"), ids(trace.stream().filter(StoredSpan::linked).toList()));
        assertTrue(ring.traceOf("unknown").isEmpty());
    }

    @Test
    void aBatchOfSpansSentTwiceShowsEachSpanOnce() {
        SpanRing ring = new SpanRing(100);
        List<StoredSpan> first = List.of(
                span("t1", "drop", null, 1, Map.of(StoredSpan.OUTPUT_ID, "picture-1"), List.of()),
                span("t1", "convert", "drop", 2, Map.of(StoredSpan.INPUT_ID, "picture-1"), List.of()));
        List<StoredSpan> batch = List.of(
                span("t2", "batch", null, 4, Map.of(), List.of(new StoredSpan.Link("t1", "convert"))),
                span("t2", "predict-call", "batch", 5, Map.of(), List.of()));
        ring.add(first);
        ring.add(batch);
        ring.add(first); // an exporter's retry after its request timed out although the receiver had kept it
        ring.add(batch);

        assertEquals(8, ring.received());
        assertEquals(List.of("drop", "convert", "batch", "predict-call"), ids(ring.traceOf("picture-1")));
    }

    @Test
    void aFullRingForgetsItsOldestSpans() {
        SpanRing ring = new SpanRing(2);
        ring.add(List.of(span("t1", "a", null, 1, Map.of(StoredSpan.OUTPUT_ID, "v"), List.of()),
                span("t1", "b", "a", 2, Map.of(), List.of()),
                span("t1", "c", "a", 3, Map.of(), List.of())));

        assertEquals(List.of("b", "c"), ids(ring.snapshot()));
        assertTrue(ring.traceOf("v").isEmpty(), "no kept span names the value any more");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SpanRing(0)).getMessage().contains("file-drop.traces.capacity"));
    }
}
