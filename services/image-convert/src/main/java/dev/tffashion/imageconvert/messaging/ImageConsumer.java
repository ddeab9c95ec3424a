package dev.tffashion.imageconvert.messaging;

import dev.tffashion.imageconvert.ConversionException;
import dev.tffashion.imageconvert.ImageConverter;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.status.TaskState;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/**
 * Reads {@code <pipeline>.imageInput.droppedFile}, converts each picture and publishes the tensor on
 * {@code <pipeline>.imageConvert.tensor}; a picture that cannot be converted goes to {@code <pipeline>.imageConvert.dlq}
 * with the reason (headers {@code dead-letter-reason}, {@code dead-letter-code}) and counts as failed on
 * {@code <pipeline>.status}. A record is acknowledged only after Kafka has acknowledged its tensor or dead letter.
 */
@ApplicationScoped
public class ImageConsumer {

    private static final Logger LOG = Logger.getLogger(ImageConsumer.class);
    private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    /** Status counters. */
    public static final String CONSUMED = "consumed";
    public static final String CONVERTED = "converted";
    public static final String FAILED = "failed";

    @Inject
    ImageConverter converter;

    @Inject
    StatusReporter status;

    @Inject
    MeterRegistry registry;

    @Inject
    @Channel(Channels.TENSORS)
    Emitter<AnnotatedValue> tensors;

    private volatile boolean stopping;

    void started(@Observes StartupEvent event) {
        report(TaskState.IDLE, "waiting for pictures", Map.of());
    }

    void stopping(@Observes ShutdownEvent event) {
        stopping = true;
    }

    @Incoming(Channels.IMAGES)
    @Blocking
    public CompletionStage<Void> consume(KafkaRecord<String, byte[]> record) {
        status.increment(ImageConverter.TASK, CONSUMED);
        report(TaskState.ACTIVE, "converting " + (record.getKey() == null ? "a picture" : "picture " + record.getKey()), Map.of());
        Timer.Sample sample = Timer.start(registry);
        AnnotatedValue tensor;
        try {
            tensor = converter.convert(record.getKey(), record.getPayload());
        } catch (ConversionException e) {
            sample.stop(registry.timer("imageconvert.conversion", "outcome", "refused"));
            return refuse(record, e);
        }
        sample.stop(registry.timer("imageconvert.conversion", "outcome", "converted"));
        if (!publish(tensor)) {
            LOG.infof("stopping: picture %s stays unacknowledged on Kafka for the next run", record.getKey());
            return CompletableFuture.completedFuture(null);
        }
        long total = status.increment(ImageConverter.TASK, CONVERTED);
        registry.counter("imageconvert.pictures", "outcome", "converted", "reason", "none").increment();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("lastTensor", tensor.id());
        details.put("sourceFormat", tensor.annotation("sourceFormat"));
        String name = tensor.annotation(ImageConverter.FILE_NAME);
        LOG.infof("converted picture %s%s (%s %sx%s, inverted=%s) to tensor %s", record.getKey(), name == null ? "" : " (" + name + ")",
            tensor.annotation("sourceFormat"), tensor.annotation("sourceWidth"), tensor.annotation("sourceHeight"),
            tensor.annotation("inverted"), tensor.id());
        report(TaskState.SUCCEEDED, "converted " + (name == null ? record.getKey() : name) + " (" + total + " so far)", details);
        return record.ack();
    }

    private CompletionStage<Void> refuse(KafkaRecord<String, byte[]> record, ConversionException e) {
        LOG.warnf("dead-lettering picture %s (%s): %s", record.getKey(), e.code(), e.getMessage());
        status.increment(ImageConverter.TASK, FAILED);
        registry.counter("imageconvert.pictures", "outcome", "refused", "reason", e.code()).increment();
        report(TaskState.FAILED, "last picture refused (" + e.code() + "): " + e.getMessage(), Map.of("lastRefused",
            record.getKey() == null ? "" : record.getKey(), "code", e.code()));
        RecordHeaders headers = new RecordHeaders();
        headers.add(Channels.DEAD_LETTER_CODE, e.code().getBytes(StandardCharsets.UTF_8));
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder().withHeaders(headers).build();
        return record.nack(e, Metadata.of(metadata));
    }

    /** Sends the tensor and waits for Kafka's acknowledgement, retrying until it comes; false when the service stops first. */
    private boolean publish(AnnotatedValue tensor) {
        Duration backoff = Duration.ofMillis(500);
        while (true) {
            CompletableFuture<Void> acked = new CompletableFuture<>();
            tensors.send(KafkaRecord.of(tensor.id(), tensor)
                .withAck(() -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    acked.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
            try {
                acked.get(PUBLISH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                return true;
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                report(TaskState.WAITING, "Kafka did not acknowledge tensor " + tensor.id() + " (" + cause + "); retrying", Map.of());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (stopping || !pause(backoff)) return false;
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    private static boolean pause(Duration backoff) {
        try {
            Thread.sleep(backoff.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void report(TaskState state, String reason, Map<String, Object> details) {
        try {
            status.report(ImageConverter.TASK, state, reason, null, details);
        } catch (RuntimeException e) {
            LOG.warnf("could not publish the imageConvert status (%s): %s", state.wireName(), e.getMessage());
        }
    }
}
