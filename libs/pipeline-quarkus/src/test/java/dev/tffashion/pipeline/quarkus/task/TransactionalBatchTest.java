package dev.tffashion.pipeline.quarkus.task;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.quarkus.PipelineConfig;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.status.TaskState;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;

/**
 * The transactional task runtime against a real broker (kafka-local) and SmallRye's own {@code KafkaTransactions}: a replica
 * restarted under its name fences the transaction its predecessor left open (readers are not held up until that transaction's
 * timeout, and its records never reach a {@code read_committed} reader); an aborted transaction leaves nothing visible to
 * {@code read_committed} and its batch runs again, so each value and dead letter is seen exactly once; a runner fenced by a newer
 * producer with its transactional id stops and says why. The tests run in order on one application.
 */
@QuarkusTest
@TestProfile(TransactionalBatchTest.Profile.class)
@WithTestResource(value = TransactionalBatchTest.PredecessorResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS, initArgs = {
    @ResourceArg(name = KafkaTestResource.TOPICS, value = TransactionalBatchTest.IN + "," + TransactionalBatchTest.OUT),
    @ResourceArg(name = KafkaTestResource.PARTITIONS, value = "1")})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TransactionalBatchTest {

    static final String PROFILE = "tx-test";
    static final String IN_CHANNEL = "tx-in";
    static final String OUT_CHANNEL = "tx-out";
    static final String IN = "tf-fashion.txtest.in";
    static final String OUT = "tf-fashion.txtest.out";
    static final String GROUP = "txtest";
    static final String INSTANCE = "replica-7";
    /** The replica's transactional id, {@code <pipeline>.<task>.<instance>}. */
    static final String TRANSACTIONAL_ID = "tf-fashion." + TransactionalTask.TASK + "." + INSTANCE;
    static final int MAX_REQUEST_SIZE = 100_000;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String DLQ = PipelineGraph.load("tf-fashion").deadLetterTopic(TransactionalTask.TASK);

    /** The open transaction of a replica killed before this one started under its name (PredecessorResource). */
    static KafkaProducer<String, byte[]> predecessor;

    /** The runtime's fenced events (with tf-fashion.task.exit-when-fenced=false, the service does not exit). */
    static final List<TaskFenced> FENCED = new CopyOnWriteArrayList<>();

    /** Records the runtime's fenced events. */
    @Singleton
    static class FencedEvents {
        void fenced(@Observes TaskFenced event) {
            FENCED.add(event);
        }
    }

    @Inject
    PipelineConfig config;

    @Inject
    StatusReporter status;

    @Inject
    KafkaClientService clients;

    /** A transactional task on two test channels, under its own build profile. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public String getConfigProfile() {
            return PROFILE;
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            String in = "mp.messaging.incoming." + IN_CHANNEL + ".";
            String out = "mp.messaging.outgoing." + OUT_CHANNEL + ".";
            return Map.ofEntries(Map.entry("tf-fashion.instance", INSTANCE), Map.entry("tf-fashion.task.exit-when-fenced", "false"),
                Map.entry(in + "connector", "smallrye-kafka"), Map.entry(in + "topic", IN), Map.entry(in + "group.id", GROUP),
                Map.entry(in + "batch", "true"), Map.entry(in + "commit-strategy", "ignore"),
                Map.entry(in + "failure-strategy", "ignore"),
                Map.entry(in + "key.deserializer", StringDeserializer.class.getName()),
                Map.entry(in + "value.deserializer", ByteArrayDeserializer.class.getName()),
                Map.entry(out + "connector", "smallrye-kafka"), Map.entry(out + "topic", OUT),
                Map.entry(out + "transactional.id", "${tf-fashion.pipeline}." + TransactionalTask.TASK + ".${tf-fashion.instance}"),
                Map.entry(out + "transaction.timeout.ms", "10000"),
                Map.entry(out + "max.request.size", Integer.toString(MAX_REQUEST_SIZE)),
                Map.entry(out + "key.serializer", StringSerializer.class.getName()),
                Map.entry(out + "value.serializer", TaskOutputSerializer.class.getName()));
        }
    }

    /**
     * Kafka, then a predecessor replica that opened a transaction under the same transactional id, wrote a value and was killed
     * (its transaction stays open; its timeout, 60 s, is far longer than the tests' waits).
     */
    public static class PredecessorResource extends KafkaTestResource {
        @Override
        public Map<String, String> start() {
            Map<String, String> config = super.start();
            Properties props = producerProps(config.get("kafka.bootstrap.servers"));
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TRANSACTIONAL_ID);
            props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
            predecessor = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
            predecessor.initTransactions();
            predecessor.beginTransaction();
            predecessor.send(new ProducerRecord<>(OUT, "predecessor", bytes("written by the killed replica")));
            predecessor.flush();
            return config;
        }

        @Override
        public void stop() {
            if (predecessor != null) {
                predecessor.close(Duration.ZERO);
                predecessor = null;
            }
            super.stop();
        }
    }

    @AfterAll
    static void closePredecessor() {
        if (predecessor != null) {
            predecessor.close(Duration.ZERO);
        }
    }

    @Test
    @Order(0)
    void theTasksConsumerRunsWithTheShippedShortSession() {
        // The connector defaults of META-INF/microprofile-config.properties as the channel's Kafka consumer got them, not as the
        // file says: a replica killed without leaving its group holds its partitions only this long (docs/configuration.md).
        Map<String, ?> consumer = clients.getConsumer(IN_CHANNEL).configuration();
        assertEquals("10000", String.valueOf(consumer.get(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG)), "session: " + consumer);
        assertEquals("1000", String.valueOf(consumer.get(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG)), "heartbeat: " + consumer);
        assertEquals("read_committed", String.valueOf(consumer.get(ConsumerConfig.ISOLATION_LEVEL_CONFIG)));
    }

    @Test
    @Order(1)
    void aReplicaRestartedUnderItsNameFencesTheTransactionItsPredecessorLeftOpen() throws Exception {
        assertEquals(INSTANCE, config.instance());
        send("ok:a");
        long sent = System.nanoTime();
        List<ConsumerRecord<String, byte[]>> committed = awaitKeys(OUT, true, Set.of("a"));
        long millis = (System.nanoTime() - sent) / 1_000_000;
        assertTrue(millis < 30_000, "the predecessor's open transaction (timeout 60 s) was fenced at once, not timed out: " + millis);
        assertTrue(keys(committed).stream().noneMatch("predecessor"::equals), "a read_committed reader never sees the fenced write");
        assertTrue(keys(read(OUT, false)).contains("predecessor"), "a read_uncommitted reader does see it: " + keys(read(OUT, false)));
        KafkaException fenced = assertThrows(KafkaException.class, predecessor::commitTransaction, "the older producer is fenced");
        System.out.println("the predecessor's commit: " + fenced);
        try (Admin admin = admin()) {
            Set<String> ids = admin.listTransactions().all().get().stream().map(TransactionListing::transactionalId)
                .collect(Collectors.toSet());
            assertTrue(ids.contains(TRANSACTIONAL_ID), "the runner writes under <pipeline>.<task>.<instance>: " + ids);
        }
    }

    @Test
    @Order(2)
    void anAbortedTransactionLeavesNothingForReadCommittedReadersAndTheBatchRunsAgain() throws Exception {
        // One transaction of the test's own, so that the three records reach the task in one batch
        Properties props = producerProps(KafkaTestResource.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "txtest-feeder");
        try (KafkaProducer<String, byte[]> feeder = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            feeder.initTransactions();
            feeder.beginTransaction();
            feeder.send(new ProducerRecord<>(IN, "c", bytes("ok:c")));
            feeder.send(new ProducerRecord<>(IN, "b", bytes("huge:b")));
            feeder.send(new ProducerRecord<>(IN, "d", bytes("refuse:d")));
            feeder.commitTransaction();
        }
        List<ConsumerRecord<String, byte[]>> values = awaitKeys(OUT, true, Set.of("b", "c"));
        List<ConsumerRecord<String, byte[]>> letters = awaitKeys(DLQ, true, Set.of("d"));
        assertEquals(2, TransactionalTask.WORKED.get("b").get(), "the batch's first transaction aborted (Kafka refused a value), "
            + "and the batch was read and worked on again");
        assertEquals(2, TransactionalTask.WORKED.get("c").get());
        ConsumerRecord<String, byte[]> b = values.stream().filter(r -> "b".equals(r.key())).findFirst().orElseThrow();
        assertTrue(b.value().length < MAX_REQUEST_SIZE, "the committed b is the second try's");
        assertEquals(1, count(values, "b"), "exactly one b for a read_committed reader: " + keys(values));
        assertEquals(1, count(values, "c"), "exactly one c for a read_committed reader: " + keys(values));
        assertEquals(1, count(letters, "d"), "exactly one dead letter of d: " + keys(letters));
        ConsumerRecord<String, byte[]> letter = letters.stream().filter(r -> "d".equals(r.key())).findFirst().orElseThrow();
        assertEquals(TransactionalTask.CODE, header(letter, DeadLetters.CODE));
        assertEquals("record d is refused by the test task", header(letter, DeadLetters.REASON));
        assertEquals("refuse:d", new String(letter.value(), StandardCharsets.UTF_8), "the dead letter is the refused record");
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get();
            long end = endOffset(IN);
            await().atMost(WAIT).until(() -> admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get()
                .get(new TopicPartition(IN, 0)).offset() >= end - 1);
            System.out.println("offsets committed by the transactions: " + offsets + " (end " + end + ")");
        }
    }

    @Test
    @Order(3)
    void aRunnerFencedByANewerProducerWithItsTransactionalIdStopsAndSaysWhy() throws Exception {
        Properties props = producerProps(KafkaTestResource.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TRANSACTIONAL_ID);
        try (KafkaProducer<String, byte[]> newer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            newer.initTransactions();
            send("ok:e");
            await().atMost(WAIT).until(() -> {
                StatusEvent last = status.last(TransactionalTask.TASK);
                return last != null && last.state() == TaskState.FAILED && last.reason().contains("fenced");
            });
            System.out.println("status of the fenced runner: " + status.last(TransactionalTask.TASK).reason());
            assertEquals(List.of(new TaskFenced(TransactionalTask.TASK)), FENCED, "the runtime was told, and would exit the service");
            send("ok:f");
            Thread.sleep(2000);
            Set<String> keys = Set.copyOf(keys(read(OUT, true)));
            assertTrue(!keys.contains("e") && !keys.contains("f"), "a fenced runner commits nothing: " + keys);
        }
    }

    private static void send(String text) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps(KafkaTestResource.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(IN, text.substring(text.indexOf(':') + 1), bytes(text))).get();
        }
    }

    private static List<ConsumerRecord<String, byte[]>> awaitKeys(String topic, boolean committed, Set<String> keys) {
        List<List<ConsumerRecord<String, byte[]>>> last = new ArrayList<>();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            List<ConsumerRecord<String, byte[]>> records = read(topic, committed);
            last.clear();
            last.add(records);
            return keys(records).containsAll(keys);
        });
        return last.get(0);
    }

    /** Every record of the topic's partitions up to their end (read_committed: up to the last stable offset). */
    private static List<ConsumerRecord<String, byte[]>> read(String topic, boolean committed) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committed ? "read_committed" : "read_uncommitted");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition()))
                .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static long endOffset(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrapServers());
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            return consumer.endOffsets(List.of(partition)).get(partition);
        }
    }

    private static List<String> keys(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(ConsumerRecord::key).toList();
    }

    private static long count(List<ConsumerRecord<String, byte[]>> records, String key) {
        return records.stream().filter(r -> key.equals(r.key())).count();
    }

    private static String header(ConsumerRecord<String, byte[]> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrapServers()));
    }

    private static Properties producerProps(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return props;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
