package dev.tffashion.pipeline.quarkus.trace;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.header.Headers;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;

/**
 * The spans of one batch of a task: one {@code <task> process} span per record, the child of the trace context its headers carry
 * (each picture keeps its own trace), and one {@code <task> batch} span for the work on all of them, the child of the first record's
 * span and linked to every record's span. The values a record produces carry its process span's context in their headers.
 */
public final class BatchTrace {

    private final Map<KafkaRecord<?, ?>, Context> contexts = new IdentityHashMap<>();
    private final Span batch;
    private final Context batchContext;

    /** Starts the spans; call {@link #end} once the batch's outputs are safe (or left). */
    public BatchTrace(PipelineTracing tracing, String task, List<? extends KafkaRecord<?, ?>> records) {
        SpanBuilder batchSpan = tracing.tracer().spanBuilder(task + " batch").setSpanKind(SpanKind.INTERNAL)
            .setAttribute(PipelineTracing.BATCH_SIZE, (long) records.size());
        Context first = null;
        for (KafkaRecord<?, ?> record : records) {
            Context parent = tracing.extract(record.getHeaders());
            SpanBuilder builder = tracing.tracer().spanBuilder(task + " process").setSpanKind(SpanKind.CONSUMER).setParent(parent)
                .setAttribute(PipelineTracing.SYSTEM, "kafka").setAttribute(PipelineTracing.TOPIC, record.getTopic());
            if (record.getKey() != null) {
                builder.setAttribute(PipelineTracing.INPUT_ID, String.valueOf(record.getKey()));
            }
            Span span = builder.startSpan();
            Context context = parent.with(span);
            contexts.put(record, context);
            batchSpan.addLink(span.getSpanContext());
            if (first == null) {
                first = context;
            }
        }
        batch = batchSpan.setParent(first == null ? Context.root() : first).startSpan();
        batchContext = (first == null ? Context.root() : first).with(batch);
    }

    /** Makes the batch span current (the work on all inputs: a Predict call of the whole batch is its child). */
    public Scope batchScope() {
        return batchContext.makeCurrent();
    }

    /** Makes the record's process span current (the work on that input alone); a no-op scope for a record not in the batch. */
    public Scope recordScope(KafkaRecord<?, ?> record) {
        Context context = contexts.get(record);
        return context == null ? Scope.noop() : context.makeCurrent();
    }

    /** Notes on the record's span the id of a value it produced. */
    public void produced(KafkaRecord<?, ?> record, String outputId) {
        Context context = contexts.get(record);
        if (context != null) {
            Span.fromContext(context).setAttribute(PipelineTracing.OUTPUT_ID, outputId);
        }
    }

    /** Notes on the record's span that it was refused, with the code. */
    public void refused(KafkaRecord<?, ?> record, String code, String reason) {
        Context context = contexts.get(record);
        if (context != null) {
            Span.fromContext(context).setStatus(StatusCode.ERROR, code + ": " + reason);
        }
    }

    /** Headers carrying the record's process span context, for the values it produced; null when the record is not traced. */
    public Headers headers(PipelineTracing tracing, KafkaRecord<?, ?> record) {
        Context context = contexts.get(record);
        return context == null ? null : tracing.headers(context);
    }

    /** Ends every span; {@code leftReason} non-null marks them as left for a later run (stopping, aborted transaction). */
    public void end(String leftReason) {
        if (leftReason != null) {
            batch.setStatus(StatusCode.ERROR, leftReason);
        }
        batch.end();
        for (Context context : contexts.values()) {
            Span span = Span.fromContext(context);
            if (leftReason != null) {
                span.setStatus(StatusCode.ERROR, leftReason);
            }
            span.end();
        }
    }
}
