package dev.tffashion.filedrop.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

import dev.tffashion.filedrop.DropRefusedException;
import dev.tffashion.filedrop.config.FileDropConfig;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.quarkus.AcknowledgedSend;
import dev.tffashion.pipeline.quarkus.trace.PipelineTracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;

/**
 * Publishes dropped values on {@code <pipeline>.scriptInput.droppedFile} and {@code <pipeline>.imageInput.droppedFile}
 * (channels {@value #SCRIPTS} and {@value #IMAGES}), keyed by value id, and returns only once Kafka has acknowledged them
 * (acks=all).
 */
@ApplicationScoped
public class DropPublisher {

    /** Outgoing channel of dropped scripts. */
    public static final String SCRIPTS = "script-drops";
    /** Outgoing channel of dropped images. */
    public static final String IMAGES = "image-drops";

    @Inject
    @Channel(SCRIPTS)
    Emitter<AnnotatedValue> scripts;

    @Inject
    @Channel(IMAGES)
    Emitter<AnnotatedValue> images;

    @Inject
    FileDropConfig config;

    @Inject
    PipelineTracing tracing;

    /** Publishes a dropped value of the given task and waits for the broker's acknowledgement. */
    public void publish(String task, AnnotatedValue value) {
        Emitter<AnnotatedValue> emitter = "scriptInput".equals(task) ? scripts : images;
        // Traced: the drop's span starts the picture's trace (under the client's, when its request carried a traceparent); its
        // context travels in the record's headers
        Span span = tracing.start("drop");
        try {
            span.setAttribute(PipelineTracing.OUTPUT_ID, value.id());
            AcknowledgedSend.send(emitter, value, tracing.headers(Context.current().with(span)), config.publishTimeout(), "drop");
        } catch (AcknowledgedSend.NotAcknowledgedException e) {
            span.setStatus(StatusCode.ERROR, e.getMessage());
            throw unavailable(e);
        } finally {
            span.end();
        }
    }

    /** The 503 of a drop Kafka did not take; the exception's message says which (refused, with the cause, or not in time). */
    private static DropRefusedException unavailable(AcknowledgedSend.NotAcknowledgedException e) {
        return new DropRefusedException(503, "kafka-unavailable", "the drop could not be stored on Kafka: " + e.getMessage(),
                "Kafka did not acknowledge the drop in time, so it is not accepted; retry the same request with an Idempotency-Key"
                + " header: with the same key the picture is stored once, even if Kafka wrote this try after all");
    }
}
