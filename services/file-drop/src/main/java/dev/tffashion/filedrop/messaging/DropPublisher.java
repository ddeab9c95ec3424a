package dev.tffashion.filedrop.messaging;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import dev.tffashion.filedrop.DropRefusedException;
import dev.tffashion.filedrop.config.FileDropConfig;
import dev.tffashion.pipeline.AnnotatedValue;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

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

    /** Publishes a dropped value of the given task and waits for the broker's acknowledgement. */
    public void publish(String task, AnnotatedValue value) {
        Emitter<AnnotatedValue> emitter = "scriptInput".equals(task) ? scripts : images;
        CompletableFuture<Void> acked = new CompletableFuture<>();
        Message<AnnotatedValue> message = Message.of(value,
                Metadata.of(OutgoingKafkaRecordMetadata.<String>builder().withKey(value.id()).build()))
                .withAck(() -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(error -> {
                    acked.completeExceptionally(error);
                    return CompletableFuture.completedFuture(null);
                });
        try {
            emitter.send(message);
            acked.get(config.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(e);
        } catch (Exception e) {
            throw unavailable(e);
        }
    }

    private static DropRefusedException unavailable(Exception e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        return new DropRefusedException(503, "kafka-unavailable",
                "the drop could not be stored on Kafka: " + cause.getClass().getSimpleName() + ": " + cause.getMessage(),
                "nothing was accepted; retry the same request (send an Idempotency-Key header to make retries safe)");
    }
}
