package dev.tffashion.pipeline.quarkus.follow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.TopicAdmin;
import dev.tffashion.kafkalocal.TopicSpec;
import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** {@link TopicFollower} against a real broker (kafka-local): caught up, following, topics created later, failing applies. */
class TopicFollowerTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private static KafkaTestResource kafka;
    private static String bootstrap;
    private static KafkaProducer<String, String> producer;

    private final List<TopicFollower> followers = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startKafka() {
        kafka = new KafkaTestResource();
        kafka.init(Map.of());
        bootstrap = kafka.start().get("kafka.bootstrap.servers");
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
            new StringSerializer(), new StringSerializer());
    }

    @AfterAll
    static void stopKafka() {
        if (producer != null) {
            producer.close();
        }
        if (kafka != null) {
            kafka.stop();
        }
    }

    @AfterEach
    void closeFollowers() {
        followers.forEach(TopicFollower::close);
    }

    @Test
    void catchesUpWithTheRecordsThatExistedAtStartThenFollowsNewOnes() throws Exception {
        createTopic("existing", 2);
        for (int i = 0; i < 5; i++) {
            send("existing", "k" + i, "old-" + i);
        }
        List<String> seen = new CopyOnWriteArrayList<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        TopicFollower follower = TopicFollower.builder("existing-reader", Map.of("bootstrap.servers", bootstrap))
            .topics("existing").apply(r -> seen.add(text(r))).meterRegistry(registry).start();
        followers.add(follower);

        follower.caughtUp().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(1.0, registry.get("tffashion.follower.caught.up").tag("follower", "existing-reader").gauge().value());
        assertEquals(Set.of("old-0", "old-1", "old-2", "old-3", "old-4"), new HashSet<>(seen));
        assertEquals(5, seen.size());
        assertTrue(follower.isCaughtUp());

        send("existing", "k9", "new-9");
        await().atMost(WAIT).until(() -> seen.contains("new-9"));
        assertEquals(6, follower.applied());
        assertEquals(6.0, registry.get("tffashion.follower.records").tag("follower", "existing-reader").functionCounter().count());
        await().atMost(WAIT).until(() -> registry.get("tffashion.follower.lag").gauge().value() == 0.0);
        follower.close();
        assertTrue(registry.find("tffashion.follower.records").meters().isEmpty());
    }

    @Test
    void handsOverHeadersKeyTopicAndTimestamp() throws Exception {
        createTopic("with-headers", 1);
        ProducerRecord<String, String> record = new ProducerRecord<>("with-headers", null, 1_700_000_000_000L, "the-key", "v");
        record.headers().add("ce_id", "abc".getBytes(StandardCharsets.UTF_8));
        producer.send(record).get();
        List<FollowedRecord> seen = new CopyOnWriteArrayList<>();

        follow("header-reader", StartAt.beginning(), seen::add, "with-headers").caughtUp().toCompletableFuture()
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertEquals(1, seen.size());
        FollowedRecord got = seen.get(0);
        assertEquals("with-headers", got.topic());
        assertEquals("the-key", got.key());
        assertEquals(1_700_000_000_000L, got.timestamp());
        assertEquals("abc", new String(got.headers().lastHeader("ce_id").value(), StandardCharsets.UTF_8));
        assertEquals("with-headers-0@0", got.where());
    }

    @Test
    void waitsForATopicCreatedLaterAndIsNotCaughtUpBeforeIt() throws Exception {
        createTopic("present", 1);
        send("present", "a", "present-1");
        List<String> seen = new CopyOnWriteArrayList<>();

        TopicFollower follower = follow("later-reader", StartAt.beginning(), r -> seen.add(text(r)), "present", "created-later");

        await().atMost(WAIT).until(() -> seen.contains("present-1") && follower.missingTopics().contains("created-later"));
        assertFalse(follower.isCaughtUp());

        createTopic("created-later", 1);
        send("created-later", "b", "later-1");

        follower.caughtUp().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> seen.contains("later-1"));
        assertTrue(follower.missingTopics().isEmpty());
    }

    @Test
    void aFailingApplySkipsItsRecordAndTheFollowerGoesOn() throws Exception {
        createTopic("poisoned", 1);
        send("poisoned", "p", "poison");
        send("poisoned", "g", "good-1");
        List<String> seen = new CopyOnWriteArrayList<>();

        TopicFollower follower = follow("poison-reader", StartAt.beginning(), r -> {
            if (text(r).equals("poison")) {
                throw new IllegalArgumentException("not a value");
            }
            seen.add(text(r));
        }, "poisoned");

        follower.caughtUp().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(List.of("good-1"), seen);
        assertEquals(1, follower.applyFailures());

        send("poisoned", "p", "poison");
        send("poisoned", "g", "good-2");
        await().atMost(WAIT).until(() -> seen.contains("good-2"));
        assertEquals(2, follower.applyFailures());
        assertEquals(0, follower.restarts());
    }

    @Test
    void sinceStartsAtTheFirstRecordOfTheWindow() throws Exception {
        createTopic("windowed", 1);
        long now = System.currentTimeMillis();
        producer.send(new ProducerRecord<>("windowed", null, now - Duration.ofHours(2).toMillis(), "o", "too-old")).get();
        producer.send(new ProducerRecord<>("windowed", null, now - Duration.ofMinutes(1).toMillis(), "r", "recent")).get();
        List<String> seen = new CopyOnWriteArrayList<>();

        follow("window-reader", StartAt.since(Duration.ofMinutes(10)), r -> seen.add(text(r)), "windowed").caughtUp()
            .toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertEquals(List.of("recent"), seen);
    }

    @Test
    void closingBeforeItCaughtUpFailsTheSignalInsteadOfCompletingIt() {
        AtomicInteger applied = new AtomicInteger();
        TopicFollower follower = follow("never-caught-up", StartAt.beginning(), r -> applied.incrementAndGet(), "does-not-exist");
        await().atMost(WAIT).until(() -> follower.missingTopics().contains("does-not-exist"));

        follower.close();

        assertTrue(follower.caughtUp().toCompletableFuture().isCompletedExceptionally());
        assertFalse(follower.isCaughtUp());
    }

    @Test
    void aKafkaErrorRestartsTheConsumerAndNeverCountsAsCaughtUp() {
        createTopic("unreadable", 1);
        TopicFollower follower = TopicFollower.builder("broken-reader", Map.of("bootstrap.servers", bootstrap))
            .topics("unreadable").apply(FollowedRecord::topic).backoff(Duration.ofMillis(50), Duration.ofMillis(200))
            .kafkaSetting("fetch.max.wait.ms", "not a number").start();
        followers.add(follower);

        await().atMost(WAIT).until(() -> follower.restarts() >= 3);
        assertFalse(follower.isCaughtUp());
        assertFalse(follower.caughtUp().toCompletableFuture().isDone());
        assertTrue(follower.lastError().orElseThrow().getMessage().contains("fetch.max.wait.ms"));
    }

    private TopicFollower follow(String name, StartAt start, Consumer<FollowedRecord> apply, String... topics) {
        TopicFollower follower = TopicFollower.builder(name, Map.of("bootstrap.servers", bootstrap, "group.id", "ignored"))
            .topics(topics).startAt(start).apply(apply).backoff(Duration.ofMillis(200), Duration.ofSeconds(2)).start();
        followers.add(follower);
        return follower;
    }

    private static void createTopic(String name, int partitions) {
        TopicAdmin.ensureTopics(bootstrap, List.of(TopicSpec.of(name, partitions)));
    }

    private static void send(String topic, String key, String value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get();
    }

    private static String text(FollowedRecord record) {
        return new String(record.value(), StandardCharsets.UTF_8);
    }
}
