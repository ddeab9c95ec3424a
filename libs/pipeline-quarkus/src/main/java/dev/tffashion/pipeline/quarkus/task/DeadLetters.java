package dev.tffashion.pipeline.quarkus.task;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import dev.tffashion.pipeline.RefusedException;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Dead-letters one refused record through its channel's {@code dead-letter-queue} failure strategy: SmallRye copies the record's key
 * and value to the channel's dead-letter topic with {@code dead-letter-reason} (the refusal's message), and the record carries our
 * {@value #CODE} header with the refusal's code.
 */
public final class DeadLetters {

    /** Header of a dead letter with the refusal's short machine-readable code (TRUNCATED, MALFORMED_VALUE, recipe, ...). */
    public static final String CODE = "dead-letter-code";
    /** Header SmallRye writes with the refusal's message. */
    public static final String REASON = "dead-letter-reason";

    private DeadLetters() {
    }

    /** Nacks the record with the refusal; the future completes once Kafka acknowledged the dead letter. */
    public static CompletableFuture<Void> nack(Message<?> record, RefusedException refusal) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(CODE, refusal.code().getBytes(StandardCharsets.UTF_8));
        OutgoingKafkaRecordMetadata<Object> metadata = OutgoingKafkaRecordMetadata.builder().withHeaders(headers).build();
        return record.nack(refusal, Metadata.of(metadata)).toCompletableFuture();
    }
}
