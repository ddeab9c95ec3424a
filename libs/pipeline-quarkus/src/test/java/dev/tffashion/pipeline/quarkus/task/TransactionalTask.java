package dev.tffashion.pipeline.quarkus.task;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.RefusedException;
import io.quarkus.arc.profile.IfBuildProfile;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;

/**
 * A batch task on the transactional task runtime, built only under the {@value TransactionalBatchTest#PROFILE} profile: a record
 * {@code ok:<id>} produces the value {@code <id>}; {@code refuse:<id>} is refused (code {@value #CODE}); {@code huge:<id>} produces,
 * the first time it is seen, a value larger than the producer's max.request.size (Kafka refuses it, so the transaction aborts), and
 * the value {@code <id>} when it comes again.
 */
@IfBuildProfile(TransactionalBatchTest.PROFILE)
@ApplicationScoped
public class TransactionalTask implements BatchTask<KafkaRecord<String, byte[]>> {

    static final String TASK = "imageConvert";
    static final String CODE = "TEST_REFUSED";

    @Inject
    TaskRuntime runtime;

    @Inject
    @Channel(TransactionalBatchTest.OUT_CHANNEL)
    KafkaTransactions<Object> out;

    /** How many times the work saw each id (a batch whose transaction aborted is worked on again). */
    static final Map<String, AtomicInteger> WORKED = new ConcurrentHashMap<>();

    private final Set<String> seenHuge = ConcurrentHashMap.newKeySet();
    private TaskRunner runner;

    @PostConstruct
    void init() {
        runner = runtime.runner(TASK, out);
    }

    @Incoming(TransactionalBatchTest.IN_CHANNEL)
    @Blocking
    public CompletionStage<Void> consume(KafkaRecordBatch<String, byte[]> batch) {
        return runner.batch(batch, this);
    }

    @Override
    public KafkaRecord<String, byte[]> parse(KafkaRecord<String, byte[]> record) {
        return record;
    }

    @Override
    public void work(List<KafkaRecord<String, byte[]>> inputs, Results<KafkaRecord<String, byte[]>> results) {
        results.eachAlone(inputs, record -> {
            String text = new String(record.getPayload(), StandardCharsets.UTF_8);
            String id = text.substring(text.indexOf(':') + 1);
            WORKED.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            if (text.startsWith("refuse:")) {
                throw new RefusedException(CODE, "record " + id + " is refused by the test task");
            }
            if (text.startsWith("huge:") && seenHuge.add(id)) {
                return value(id).toBuilder().annotation("padding", "x".repeat(TransactionalBatchTest.MAX_REQUEST_SIZE * 2)).build();
            }
            return value(id);
        });
    }

    static AnnotatedValue value(String id) {
        return AnnotatedValue.builder().id(id).pipeline("tf-fashion").task(TASK).output("tensor").type("tensor")
            .data("data:application/json;base64,e30=").mediaType("application/json").size(2)
            .sha256("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a").build();
    }
}
