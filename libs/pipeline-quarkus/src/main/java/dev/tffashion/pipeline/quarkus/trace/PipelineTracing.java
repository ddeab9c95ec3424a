package dev.tffashion.pipeline.quarkus.trace;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * The tracing of the pipeline's hops: reads the W3C trace context ({@code traceparent}, {@code tracestate}) from a record's headers,
 * writes it into the headers of the records a task publishes, and starts the spans of the units of work. Off ({@link #OFF}, the
 * default while {@code quarkus.otel.sdk.disabled} is true) it does nothing at all: no span, no header, no allocation.
 */
public final class PipelineTracing {

    /** The id of the value a span produced (a picture, a tensor, a prediction): how a trace is found from a prediction id. */
    public static final AttributeKey<String> OUTPUT_ID = AttributeKey.stringKey("tffashion.output.id");
    /** The id of the value a span worked on (the record key). */
    public static final AttributeKey<String> INPUT_ID = AttributeKey.stringKey("tffashion.input.id");
    /** How many inputs a batch span covers. */
    public static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("tffashion.batch.size");
    /** The topic a record was read from. */
    public static final AttributeKey<String> TOPIC = AttributeKey.stringKey("messaging.destination.name");
    /** The messaging system of the hops. */
    public static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");

    /** Tracing off: every method is a no-op. */
    public static final PipelineTracing OFF = new PipelineTracing(OpenTelemetry.noop(), false);

    private static final String SCOPE = "dev.tffashion.pipeline";

    private static final TextMapGetter<Headers> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> keys = new ArrayList<>();
            for (Header header : headers) {
                keys.add(header.key());
            }
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            if (headers == null) {
                return null;
            }
            Header header = headers.lastHeader(key);
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }
    };

    /** Reads the trace context of an incoming request through a header lookup (the W3C propagators only ask for their keys). */
    private static final TextMapGetter<UnaryOperator<String>> REQUEST_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(UnaryOperator<String> header) {
            return List.of();
        }

        @Override
        public String get(UnaryOperator<String> header, String key) {
            return header == null ? null : header.apply(key);
        }
    };

    private static final TextMapSetter<Headers> SETTER = (headers, key, value) -> {
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    };

    private final boolean on;
    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final OpenTelemetry openTelemetry;

    /**
     * @param openTelemetry the service's OpenTelemetry (Quarkus' bean)
     * @param on false to trace nothing (the SDK is disabled: no exporter is configured)
     */
    public PipelineTracing(OpenTelemetry openTelemetry, boolean on) {
        this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
        this.on = on;
        this.tracer = openTelemetry.getTracer(SCOPE);
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    }

    /** True when spans are made and trace contexts carried. */
    public boolean on() {
        return on;
    }

    /** The OpenTelemetry behind (for the gRPC interceptors of a service). */
    public OpenTelemetry openTelemetry() {
        return openTelemetry;
    }

    /** The trace context a record carries in its headers ({@link Context#root()} when none, or when off). */
    public Context extract(Headers headers) {
        if (!on || headers == null) {
            return Context.root();
        }
        return propagator.extract(Context.root(), headers, GETTER);
    }

    /**
     * Makes the trace context an incoming request carries ({@code traceparent}, {@code tracestate}, read through its header lookup)
     * current, so that the span of the work it starts continues a client's trace; a new trace starts when there is none. Off, it
     * reads nothing and makes nothing current (the drop path pays nothing). Close it, in a try-with-resources.
     */
    public Scope requestScope(UnaryOperator<String> header) {
        if (!on) {
            return Scope.noop();
        }
        return propagator.extract(Context.root(), header, REQUEST_GETTER).makeCurrent();
    }

    /** Writes the context's trace context into the headers (nothing when off or when the context has no valid span). */
    public void inject(Context context, Headers headers) {
        if (on && Span.fromContext(context).getSpanContext().isValid()) {
            propagator.inject(context, headers, SETTER);
        }
    }

    /** New record headers carrying the context's trace context; null when off or when there is none (no header to add). */
    public Headers headers(Context context) {
        if (!on || !Span.fromContext(context).getSpanContext().isValid()) {
            return null;
        }
        Headers headers = new RecordHeaders();
        propagator.inject(context, headers, SETTER);
        return headers;
    }

    /** New record headers carrying the current context's trace context, or null (see {@link #headers(Context)}). */
    public Headers currentHeaders() {
        return on ? headers(Context.current()) : null;
    }

    /** Starts an internal span under the current context (a no-op span when off); end it, in a finally. */
    public Span start(String name) {
        if (!on) {
            return Span.getInvalid();
        }
        return tracer.spanBuilder(name).setSpanKind(SpanKind.INTERNAL).startSpan();
    }

    /** The tracer (spans of this library's scope). */
    public Tracer tracer() {
        return tracer;
    }
}
