package dev.tffashion.imageconvert.messaging;

import dev.tffashion.imageconvert.ImageConverter;
import dev.tffashion.imageconvert.config.ImageConvertConfig;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.quarkus.task.BatchTask;
import dev.tffashion.pipeline.quarkus.task.RepeatedKeys;
import dev.tffashion.pipeline.quarkus.task.Results;
import dev.tffashion.pipeline.quarkus.task.TaskRunner;
import dev.tffashion.pipeline.quarkus.task.TaskRuntime;
import dev.tffashion.pipeline.status.TaskState;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads {@code <pipeline>.imageInput.droppedFile} in batches (what one poll brings, up to {@code max.poll.records}; never waits to
 * fill one), converts each picture and publishes its tensor on {@code <pipeline>.imageConvert.tensor}; a picture that cannot be
 * converted goes alone to {@code <pipeline>.imageConvert.dlq} with its code and reason. Each batch runs exactly once: its tensors,
 * its dead letters and its offsets are one Kafka transaction (README, "Exactly once"). The task runtime ({@link TaskRunner})
 * publishes, dead-letters, commits and reports; this class holds only the conversion.
 */
@ApplicationScoped
public class ImageConsumer implements BatchTask<KafkaRecord<String, byte[]>> {

    private static final Logger LOG = Logger.getLogger(ImageConsumer.class);

    @Inject
    ImageConverter converter;

    @Inject
    TaskRuntime runtime;

    @Inject
    @Channel(Channels.TENSORS)
    KafkaTransactions<Object> tensors;

    @Inject
    ImageConvertConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    private TaskRunner runner;
    /** Second copies of a dropped picture (same id) are converted once; null when the check is off. */
    private RepeatedKeys repeats;

    @PostConstruct
    void init() {
        runner = runtime.runner(ImageConverter.TASK, tensors);
        repeats = config.repeatWindow() > 0 ? new RepeatedKeys(kafka, config.repeatWindow()) : null;
    }

    void started(@Observes StartupEvent event) {
        runner.report(TaskState.IDLE, "waiting for pictures", Map.of());
    }

    /** The consumer was assigned these partitions at these positions: their windows of repeated keys are read back now. */
    void assigned(Map<TopicPartition, Long> positions) {
        if (repeats != null) {
            repeats.prefetch(positions);
        }
    }

    @Incoming(Channels.IMAGES)
    @Blocking
    public CompletionStage<Void> consume(KafkaRecordBatch<String, byte[]> batch) {
        return runner.batch(batch, this);
    }

    /** The converter reads the record itself: it knows what a dropped picture is. */
    @Override
    public KafkaRecord<String, byte[]> parse(KafkaRecord<String, byte[]> record) {
        return record;
    }

    @Override
    public void work(List<KafkaRecord<String, byte[]>> records, Results<KafkaRecord<String, byte[]>> results) {
        List<KafkaRecord<String, byte[]>> firsts = records;
        if (repeats != null) {
            // A copy has no output: its offset is committed with the batch, and the first copy's tensor stands for both
            firsts = records.stream().filter(record -> {
                long offset = record.getMetadata(IncomingKafkaRecordMetadata.class).map(m -> m.getOffset()).orElse(-1L);
                boolean repeated = offset >= 0 && repeats.repeated(record.getTopic(), record.getPartition(), offset, record.getKey());
                if (repeated) {
                    LOG.infof("picture %s at %s-%d offset %d is a second copy of one already converted: skipped", record.getKey(),
                        record.getTopic(), record.getPartition(), offset);
                }
                return !repeated;
            }).toList();
        }
        results.eachAlone(firsts, record -> {
            AnnotatedValue tensor = converter.convert(record.getKey(), record.getPayload());
            if (LOG.isDebugEnabled()) {
                String name = tensor.annotation(ImageConverter.FILE_NAME);
                LOG.debugf("converted picture %s%s (%s %sx%s, inverted=%s) to tensor %s", record.getKey(), name == null ? ""
                    : " (" + name + ")", tensor.annotation("sourceFormat"), tensor.annotation("sourceWidth"),
                    tensor.annotation("sourceHeight"), tensor.annotation("inverted"), tensor.id());
            }
            return tensor;
        });
    }

    @Override
    public Map<String, Object> details(Results<KafkaRecord<String, byte[]>> results) {
        if (results.produced().isEmpty()) {
            return Map.of();
        }
        AnnotatedValue tensor = results.produced().get(results.produced().size() - 1).value();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("lastTensor", tensor.id());
        details.put("sourceFormat", tensor.annotation("sourceFormat"));
        String name = tensor.annotation(ImageConverter.FILE_NAME);
        if (name != null) {
            details.put("lastFile", name);
        }
        return details;
    }
}
