package dev.tffashion.filedrop.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.tffashion.filedrop.rest.ApiError;

/**
 * {@code GET /v1/predictions/{id}/trace}: the path of one picture through the pipeline, from the spans the local receiver keeps
 * ({@link SpanRing}): every span of its trace with the service that made it, its start (ms after the trace's first span) and
 * duration in ms, and the hops of the timeline (drop, each task's process span, the answer: the end of the last one). The id is a
 * picture's (the image id of {@code /v1/predictions/{id}}), a tensor's or a prediction's.
 */
@Path("/v1/predictions/{id}/trace")
public class TraceResource {

    /** One span of the trace, times in ms from the trace's first span. */
    public record SpanView(String name, String service, String kind, String traceId, String spanId, String parentSpanId,
            double startMs, double durationMs, boolean linked, String error, Map<String, String> attributes) {
    }

    /** One hop of the timeline: the drop, a task's work on the picture, or the answer (duration 0, when the prediction was out). */
    public record Hop(String hop, String service, double startMs, double durationMs) {
    }

    /** The trace of a picture. */
    public record TraceView(String id, String traceId, long startEpochMs, double durationMs, List<Hop> hops, List<SpanView> spans) {
    }

    @Inject
    SpanRing ring;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response trace(@PathParam("id") String id) {
        List<StoredSpan> spans = ring.traceOf(id);
        if (spans.isEmpty()) {
            return ApiError.response(404, "no trace of " + id + " among the " + ring.snapshot().size() + " recent spans kept here",
                "tracing is off unless the services export to this file drop (bin/tf-fashion up does it; "
                    + "QUARKUS_OTEL_SDK_DISABLED=false and QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://<file-drop>/ otherwise); "
                    + "a picture dropped long ago may have been pushed out of the ring (file-drop.traces.capacity)");
        }
        return Response.ok(view(id, spans)).build();
    }

    static TraceView view(String id, List<StoredSpan> spans) {
        long start = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        String traceId = null;
        for (StoredSpan span : spans) {
            start = Math.min(start, span.startNanos());
            end = Math.max(end, span.endNanos());
            if (!span.linked() && traceId == null) {
                traceId = span.traceId();
            }
        }
        List<SpanView> views = new ArrayList<>(spans.size());
        List<Hop> hops = new ArrayList<>();
        long answered = Long.MIN_VALUE;
        String answeredBy = null;
        for (StoredSpan span : spans) {
            double startMs = ms(span.startNanos() - start);
            double durationMs = ms(span.endNanos() - span.startNanos());
            views.add(new SpanView(span.name(), span.service(), span.kind(), span.traceId(), span.spanId(), span.parentSpanId(), startMs,
                durationMs, span.linked(), span.error(), span.attributes()));
            if (span.linked()) {
                continue;
            }
            if (span.name().equals("drop")) {
                hops.add(new Hop("drop", span.service(), startMs, durationMs));
            } else if (span.name().endsWith(" process")) {
                hops.add(new Hop(span.name().substring(0, span.name().length() - " process".length()), span.service(), startMs,
                    durationMs));
                if (span.endNanos() > answered) {
                    answered = span.endNanos();
                    answeredBy = span.service();
                }
            }
        }
        if (answeredBy != null) {
            hops.add(new Hop("answer", answeredBy, ms(answered - start), 0));
        }
        return new TraceView(id, traceId, start / 1_000_000L, ms(end - start), hops, views);
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }
}
