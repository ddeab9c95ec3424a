package dev.tffashion.pipeline.quarkus.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

/** The trace context of an incoming request (file-drop's drops): a client's traceparent is continued, none starts a new trace. */
class PipelineTracingTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN = "00f067aa0ba902b7";

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final PipelineTracing tracing = new PipelineTracing(OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported)).build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build(), true);

    @Test
    void aClientsTraceparentIsContinuedBySpansStartedUnderIt() {
        var headers = Map.of("traceparent", "00-" + TRACE + "-" + CLIENT_SPAN + "-01");
        try (Scope request = tracing.requestScope(headers::get)) {
            tracing.start("drop").end();
        }
        var drop = exported.getFinishedSpanItems().get(0);
        assertEquals(TRACE, drop.getTraceId());
        assertEquals(CLIENT_SPAN, drop.getParentSpanId());
    }

    @Test
    void withoutATraceparentASpanStartsANewTrace() {
        try (Scope request = tracing.requestScope(Map.<String, String>of()::get)) {
            tracing.start("drop").end();
        }
        var drop = exported.getFinishedSpanItems().get(0);
        assertFalse(drop.getParentSpanContext().isValid(), "no parent: " + drop);
        assertTrue(drop.getSpanContext().isValid());
    }

    @Test
    void aMalformedTraceparentIsIgnored() {
        try (Scope request = tracing.requestScope(Map.of("traceparent", "not-a-trace")::get)) {
            tracing.start("drop").end();
        }
        assertFalse(exported.getFinishedSpanItems().get(0).getParentSpanContext().isValid());
    }

    @Test
    void offReadsNothingAndMakesNothingCurrent() {
        var headers = Map.of("traceparent", "00-" + TRACE + "-" + CLIENT_SPAN + "-01");
        try (Scope request = PipelineTracing.OFF.requestScope(headers::get)) {
            assertSame(Scope.noop(), request);
            assertFalse(Span.current().getSpanContext().isValid(), "no client span is current");
        }
    }
}
