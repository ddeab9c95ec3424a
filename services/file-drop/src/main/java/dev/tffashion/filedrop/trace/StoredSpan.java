package dev.tffashion.filedrop.trace;

import java.util.List;
import java.util.Map;

/**
 * One span as the local receiver keeps it: ids in lower-case hex, times in Unix nanoseconds, the service that made it, its
 * string, number and boolean attributes as text, and its links.
 *
 * @param linked true when the span is in another trace and is shown because it links to this one (a batch span)
 */
public record StoredSpan(String traceId, String spanId, String parentSpanId, String name, String service, String kind,
        long startNanos, long endNanos, Map<String, String> attributes, List<Link> links, String error, boolean linked) {

    /** The attribute of the value a span produced (libs/pipeline-quarkus PipelineTracing.OUTPUT_ID). */
    public static final String OUTPUT_ID = "tffashion.output.id";
    /** The attribute of the value a span worked on. */
    public static final String INPUT_ID = "tffashion.input.id";

    /** A link to a span of (usually) another trace. */
    public record Link(String traceId, String spanId) {
    }

    /** The same span, marked as shown through a link. */
    public StoredSpan asLinked() {
        return new StoredSpan(traceId, spanId, parentSpanId, name, service, kind, startNanos, endNanos, attributes, links, error, true);
    }
}
