package dev.tffashion.e2e.chaos;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import dev.tffashion.e2e.TopicRecorder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Every record of every {@code tf-fashion.*} topic, each exactly once (by topic, partition and offset), across broker
 * restarts: partitions are assigned, not subscribed, so no rebalance ever sends the reader back to the beginning and a record
 * read twice by this reader is never mistaken for a duplicate on the topic. New topics are picked up every second. Reads only.
 */
final class TopicLog implements AutoCloseable {

    private final List<TopicRecorder.Seen> seen = new CopyOnWriteArrayList<>();
    private final Set<String> offsets = ConcurrentHashMap.newKeySet();
    private final KafkaConsumer<String, byte[]> consumer;
    private final String prefix;
    private final Thread thread;
    private volatile boolean running = true;

    TopicLog(String bootstrap, String pipeline) {
        var props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(props);
        prefix = pipeline + ".";
        thread = new Thread(this::run, "chaos-topic-log");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long nextDiscovery = 0;
        var assigned = new HashSet<TopicPartition>();
        try {
            while (running) {
                if (System.currentTimeMillis() >= nextDiscovery) {
                    nextDiscovery = System.currentTimeMillis() + 1000;
                    discover(assigned);
                }
                if (assigned.isEmpty()) {
                    Thread.sleep(100);
                    continue;
                }
                var records = consumer.poll(Duration.ofMillis(200));
                long now = System.currentTimeMillis();
                for (var record : records) {
                    if (!offsets.add(record.topic() + "/" + record.partition() + "/" + record.offset())) {
                        continue;
                    }
                    seen.add(TopicRecorder.Seen.of(record, now));
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void discover(Set<TopicPartition> assigned) {
        var found = new HashSet<TopicPartition>();
        try {
            consumer.listTopics(Duration.ofSeconds(2)).forEach((topic, partitions) -> {
                if (topic.startsWith(prefix)) {
                    partitions.forEach(p -> found.add(new TopicPartition(p.topic(), p.partition())));
                }
            });
        } catch (org.apache.kafka.common.errors.TimeoutException brokerAway) {
            return;
        }
        if (!assigned.containsAll(found)) {
            var added = new HashSet<>(found);
            added.removeAll(assigned);
            assigned.addAll(found);
            consumer.assign(assigned);
            consumer.seekToBeginning(added);
        }
    }

    /** Every record of a topic seen so far (full topic name), in order. */
    List<TopicRecorder.Seen> of(String topic) {
        return seen.stream().filter(s -> s.topic().equals(topic)).toList();
    }

    /** Records of a topic that match. */
    List<TopicRecorder.Seen> of(String topic, Predicate<TopicRecorder.Seen> filter) {
        return seen.stream().filter(s -> s.topic().equals(topic) && filter.test(s)).toList();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
