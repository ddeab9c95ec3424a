package dev.tffashion.filedrop.messaging;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

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
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Vertx;

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

    @Inject
    Vertx vertx;

    /**
     * Publishes a dropped value of the given task. The future completes once the broker has acknowledged it, or fails with a 503
     * {@link DropRefusedException} when Kafka refused it or did not acknowledge it within file-drop.publish-timeout; no thread
     * waits meanwhile, so a slow or frozen broker does not use up the worker threads (and with them the health checks). The
     * timeout is a Vert.x timer, and the future completes on a worker thread, never on Kafka's callback thread: what follows
     * (the index, the answer, its exception mappers) runs on the application's own threads.
     */
    public CompletableFuture<Void> publish(String task, AnnotatedValue value) {
        Emitter<AnnotatedValue> emitter = "scriptInput".equals(task) ? scripts : images;
        // Traced: the drop's span starts the picture's trace (under the client's, when its request carried a traceparent); its
        // context travels in the record's headers
        Span span = tracing.start("drop");
        span.setAttribute(PipelineTracing.OUTPUT_ID, value.id());
        Duration timeout = config.publishTimeout();
        CompletableFuture<Void> acked;
        try {
            acked = AcknowledgedSend.sendAll(emitter, List.of(value),
                    Collections.singletonList(tracing.headers(Context.current().with(span))));
        } catch (RuntimeException e) {
            acked = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> sent = acked;
        long timer = vertx.setTimer(timeout.toMillis(), fired -> sent.completeExceptionally(new TimeoutException()));
        CompletableFuture<Void> published = new CompletableFuture<>();
        sent.whenComplete((ok, error) -> {
            vertx.cancelTimer(timer);
            // on Quarkus' worker threads: the index look-up after it may wait, and Kafka's callback thread must not
            Infrastructure.getDefaultWorkerPool().execute(() -> {
                if (error == null) {
                    span.end();
                    published.complete(null);
                    return;
                }
                AcknowledgedSend.NotAcknowledgedException e = AcknowledgedSend.notAcknowledged(error, timeout, "drop " + value.id());
                span.setStatus(StatusCode.ERROR, e.getMessage());
                span.end();
                published.completeExceptionally(unavailable(e));
            });
        });
        return published;
    }

    /**
     * The 503 of a drop Kafka did not confirm; the exception's message says which (refused, with the cause, or not in time). It
     * does not say that nothing was stored: a broker frozen after it received the drop writes it once it resumes.
     */
    private static DropRefusedException unavailable(AcknowledgedSend.NotAcknowledgedException e) {
        return new DropRefusedException(503, "kafka-unavailable", "the drop is not confirmed: " + e.getMessage(),
                "Kafka may still store it once it answers; send the same request again with the Idempotency-Key header it carried"
                + " (give one to every drop): with the same key the picture is stored once, even if Kafka wrote this try after all");
    }
}
