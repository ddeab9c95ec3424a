package dev.tffashion.pipeline.quarkus.task;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import dev.tffashion.pipeline.RefusedException;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.fault.KafkaDeadLetterQueue;

/**
 * Dead letters of refused records, in one of two ways with the same record on the dead-letter topic (the refused record's key,
 * value and headers, SmallRye's {@code dead-letter-*} headers with {@value #REASON} the refusal's message, and our {@value #CODE}
 * header with the refusal's code):
 * <ul>
 * <li>{@link #nack}: through the channel's {@code dead-letter-queue} failure strategy (SmallRye's own producer, outside any
 * transaction), for the tasks that run one record at a time (learn, serve-manager);</li>
 * <li>{@link #letter}: a message for the batch's transactional producer, so that the dead letter is committed, or aborted, with
 * the batch's values and offsets (image-convert, predict; README, "Exactly once").</li>
 * </ul>
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

    /**
     * The dead letter of a refused record as a message for a transactional task output ({@link TaskOutputSerializer}): to
     * {@code topic}, with the record's key, its value bytes unchanged and the headers {@link #nack} would give it.
     */
    public static Message<Object> letter(KafkaRecord<String, byte[]> record, RefusedException refusal, String topic) {
        RecordHeaders headers = new RecordHeaders();
        add(headers, KafkaDeadLetterQueue.DEAD_LETTER_EXCEPTION_CLASS_NAME, refusal.getClass().getName());
        add(headers, REASON, refusal.getMessage() == null ? refusal.toString() : refusal.getMessage());
        Throwable cause = refusal.getCause();
        if (cause != null) {
            add(headers, KafkaDeadLetterQueue.DEAD_LETTER_CAUSE_CLASS_NAME, cause.getClass().getName());
            add(headers, KafkaDeadLetterQueue.DEAD_LETTER_CAUSE, cause.getMessage() == null ? cause.toString() : cause.getMessage());
        }
        add(headers, KafkaDeadLetterQueue.DEAD_LETTER_TOPIC, record.getTopic());
        add(headers, KafkaDeadLetterQueue.DEAD_LETTER_PARTITION, Integer.toString(record.getPartition()));
        record.getMetadata(IncomingKafkaRecordMetadata.class)
            .ifPresent(m -> add(headers, KafkaDeadLetterQueue.DEAD_LETTER_OFFSET, Long.toString(m.getOffset())));
        if (record.getHeaders() != null) {
            for (Header header : record.getHeaders()) {
                headers.add(header.key(), header.value());
            }
        }
        add(headers, CODE, refusal.code());
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder().withTopic(topic)
            .withKey(record.getKey()).withHeaders(headers).build();
        return Message.of((Object) record.getPayload(), Metadata.of(metadata));
    }

    private static void add(RecordHeaders headers, String key, String value) {
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
