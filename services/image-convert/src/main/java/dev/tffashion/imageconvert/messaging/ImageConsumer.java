package dev.tffashion.imageconvert.messaging;

import dev.tffashion.imageconvert.ConversionException;
import dev.tffashion.imageconvert.ImageConverter;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.quarkus.AcknowledgedSend;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.status.TaskState;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
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
 * {@code <pipeline>.status}. Records come in batches (what one poll brings, up to {@code max.poll.records}); a batch is
 * acknowledged only after Kafka has acknowledged all its tensors and dead letters, one wait per batch instead of one per picture.
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
    public CompletionStage<Void> consume(KafkaRecordBatch<String, byte[]> batch) {
        List<KafkaRecord<String, byte[]>> records = batch.getRecords();
        status.increment(ImageConverter.TASK, CONSUMED, records.size());
        report(TaskState.ACTIVE, "converting " + (records.size() == 1 ? "picture " + records.get(0).getKey()
            : records.size() + " pictures"), Map.of());
        List<AnnotatedValue> converted = new ArrayList<>(records.size());
        List<Refusal> refusals = new ArrayList<>();
        for (KafkaRecord<String, byte[]> record : records) {
            Timer.Sample sample = Timer.start(registry);
            try {
                AnnotatedValue tensor = converter.convert(record.getKey(), record.getPayload());
                sample.stop(registry.timer("imageconvert.conversion", "outcome", "converted"));
                converted.add(tensor);
                logConverted(record.getKey(), tensor);
            } catch (ConversionException e) {
                sample.stop(registry.timer("imageconvert.conversion", "outcome", "refused"));
                refusals.add(new Refusal(record, e));
            } catch (RuntimeException e) {
                sample.stop(registry.timer("imageconvert.conversion", "outcome", "refused"));
                LOG.errorf(e, "unexpected failure on record %s; dead-lettering it alone", record.getKey());
                refusals.add(new Refusal(record, new ConversionException(ConversionException.MALFORMED_VALUE, "record "
                    + record.getKey() + " could not be converted (" + e + "); pictures are dropped through file-drop's POST /imageInput",
                    e)));
            }
        }
        if (!untilAcknowledged(converted.size() + " tensors", () -> AcknowledgedSend.sendAll(tensors, converted))
            || !untilAcknowledged(refusals.size() + " dead letters", () -> deadLetter(refusals))) {
            LOG.infof("stopping: %d pictures stay unacknowledged on Kafka for the next run", records.size());
            return CompletableFuture.completedFuture(null);
        }
        registry.counter("imageconvert.pictures", "outcome", "converted", "reason", "none").increment(converted.size());
        long total = status.increment(ImageConverter.TASK, CONVERTED, converted.size());
        status.increment(ImageConverter.TASK, FAILED, refusals.size());
        if (!refusals.isEmpty()) {
            Refusal lastRefusal = refusals.get(refusals.size() - 1);
            report(TaskState.FAILED, "last picture refused (" + lastRefusal.reason().code() + "): " + lastRefusal.reason().getMessage(),
                Map.of("lastRefused", lastRefusal.record().getKey() == null ? "" : lastRefusal.record().getKey(),
                    "code", lastRefusal.reason().code(), "converted", converted.size(), "refused", refusals.size()));
        } else if (!converted.isEmpty()) {
            AnnotatedValue tensor = converted.get(converted.size() - 1);
            String name = tensor.annotation(ImageConverter.FILE_NAME);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("lastTensor", tensor.id());
            details.put("sourceFormat", tensor.annotation("sourceFormat"));
            details.put("batch", converted.size());
            report(TaskState.SUCCEEDED, "converted " + (converted.size() == 1 ? (name == null ? tensor.id() : name)
                : converted.size() + " pictures") + " (" + total + " so far)", details);
        }
        return batch.ack();
    }

    /** A picture refused for good, with the reason its dead letter carries. */
    private record Refusal(KafkaRecord<String, byte[]> record, ConversionException reason) {
    }

    private void logConverted(String key, AnnotatedValue tensor) {
        String name = tensor.annotation(ImageConverter.FILE_NAME);
        LOG.infof("converted picture %s%s (%s %sx%s, inverted=%s) to tensor %s", key, name == null ? "" : " (" + name + ")",
            tensor.annotation("sourceFormat"), tensor.annotation("sourceWidth"), tensor.annotation("sourceHeight"),
            tensor.annotation("inverted"), tensor.id());
    }

    /** Sends each refused record to the dead-letter topic (SmallRye's dead-letter-queue strategy, with our code header). */
    private CompletableFuture<Void> deadLetter(List<Refusal> refusals) {
        List<CompletableFuture<Void>> sent = new ArrayList<>(refusals.size());
        for (Refusal refusal : refusals) {
            ConversionException e = refusal.reason();
            LOG.warnf("dead-lettering picture %s (%s): %s", refusal.record().getKey(), e.code(), e.getMessage());
            registry.counter("imageconvert.pictures", "outcome", "refused", "reason", e.code()).increment();
            RecordHeaders headers = new RecordHeaders();
            headers.add(Channels.DEAD_LETTER_CODE, e.code().getBytes(StandardCharsets.UTF_8));
            OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder().withHeaders(headers).build();
            sent.add(refusal.record().nack(e, Metadata.of(metadata)).toCompletableFuture());
        }
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
    }

    /** Sends and waits for Kafka's acknowledgement, retrying until it comes; false when the service stops first. */
    private boolean untilAcknowledged(String what, Supplier<CompletableFuture<Void>> send) {
        Duration backoff = Duration.ofMillis(500);
        while (true) {
            try {
                AcknowledgedSend.await(send.get(), PUBLISH_TIMEOUT, what);
                return true;
            } catch (AcknowledgedSend.NotAcknowledgedException e) {
                if (Thread.currentThread().isInterrupted()) {
                    return false;
                }
                report(TaskState.WAITING, e.getMessage() + "; retrying", Map.of());
            }
            if (stopping || !pause(backoff)) {
                return false;
            }
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
