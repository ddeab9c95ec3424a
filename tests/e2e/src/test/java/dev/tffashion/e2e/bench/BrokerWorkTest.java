package dev.tffashion.e2e.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import dev.tffashion.e2e.PipelineProcesses;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench's reading of the broker: its request counts through the attach API and JMX, its threads' CPU, the table. */
class BrokerWorkTest {

    private static final int SENDS = 25;

    @Test
    void aRealBrokersRequestsAreCountedByApiAndItsThreadsCpuByGroup(@TempDir Path work) throws Exception {
        var jar = PipelineProcesses.kafkaLocalJar(PipelineProcesses.projectRoot());
        int port = PipelineProcesses.freePort();
        var log = work.resolve("kafka.log");
        var process = new ProcessBuilder(PipelineProcesses.brokerCommand(jar, port, PipelineProcesses.freePort(), work.resolve("kafka")))
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (var broker = new BrokerWork(process.pid())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.readString(log, StandardCharsets.UTF_8).contains("Kafka ready at")) {
                assertTrue(process.isAlive() && System.nanoTime() < deadline, "kafka-local ready: " + Files.readString(log));
                Thread.sleep(100);
            }
            var before = broker.snapshot();
            var props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
            try (var admin = Admin.create(props)) {
                admin.createTopics(List.of(new NewTopic("broker-work", 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            }
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            try (var producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < SENDS; i++) {
                    producer.send(new ProducerRecord<>("broker-work", "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
                }
            }
            var consumerProps = new Properties();
            consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
            try (var consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
                var partition = new TopicPartition("broker-work", 0);
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                int read = 0;
                while (read < SENDS) {
                    assertTrue(System.nanoTime() < deadline, "read back " + read + " of " + SENDS);
                    read += consumer.poll(Duration.ofMillis(500)).count();
                }
            }
            var window = BrokerWork.between(before, broker.snapshot());

            assertTrue(window.requests().getOrDefault("Produce", 0L) >= SENDS, SENDS + " acknowledged sends, one at a time, are at"
                + " least as many Produce requests: " + window.requests());
            assertTrue(window.requests().getOrDefault("CreateTopics", 0L) >= 1, "a CreateTopics (the broker's, and the controller's"
                + " it forwarded to): " + window.requests());
            assertTrue(window.requests().getOrDefault("Fetch", 0L) >= 1, "reading them back fetched: " + window.requests());
            assertFalse(window.requests().containsKey("FetchConsumer") || window.requests().containsKey("FetchFollower"),
                "a fetch is counted once, under Fetch: " + window.requests());
            assertEquals(0L, window.transactionRequests(), "no transaction was used: " + window.requests());
            assertTrue(window.threadNanos().get("request handlers and network threads") > 0,
                "the handlers of those requests used CPU: " + window.threadNanos());
            assertEquals(BrokerWork.threadGroupNames(), new ArrayList<>(window.threadNanos().keySet()),
                "every group is reported, in the table's order");
        } finally {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void threadsAreGroupedByTheNameProcShows() {
        assertEquals("request handlers and network threads", BrokerWork.groupOf("data-plane-kafk"));
        assertEquals("JIT compilers", BrokerWork.groupOf("C2 CompilerThre"));
        assertEquals("transaction markers (TxnMarkerSender)", BrokerWork.groupOf("TxnMarkerSender"));
        assertEquals(BrokerWork.OTHER_THREADS, BrokerWork.groupOf("kafka-0-raft-io"));
    }

    @Test
    void theTableDividesEachWindowByItsPicturesAndMarksTheTransactionProtocol() {
        var groups = new java.util.LinkedHashMap<String, Long>();
        BrokerWork.threadGroupNames().forEach(g -> groups.put(g, 0L));
        groups.put("request handlers and network threads", 30_000_000L);
        groups.put(BrokerWork.OTHER_THREADS, 10_000_000L);
        var slow = new BrokerWork.Window(Map.of("Produce", 40L, "EndTxn", 20L, "Fetch", 10L), groups);
        var fast = new BrokerWork.Window(Map.of("Produce", 100L, "EndTxn", 10L), groups);
        String n = "\n";
        assertEquals("| per picture | 10/s | saturation |" + n + "|---|---|---|" + n
            + "| requests: Produce | 2.00 | 1.00 |" + n
            + "| requests: EndTxn (transaction) | 1.00 | 0.10 |" + n
            + "| requests: Fetch | 0.50 | 0.00 |" + n
            + "| **requests, all** | **3.50** | **1.10** |" + n
            + "| of them, the transaction protocol's | 1.00 | 0.10 |" + n
            + "| CPU: request handlers and network threads | 1.500 ms | 0.300 ms |" + n
            + "| CPU: group coordinator (offsets, transactional offset commits) | 0.000 ms | 0.000 ms |" + n
            + "| CPU: transaction markers (TxnMarkerSender) | 0.000 ms | 0.000 ms |" + n
            + "| CPU: transaction verification (AddPartitionsToTxn sender) | 0.000 ms | 0.000 ms |" + n
            + "| CPU: JIT compilers | 0.000 ms | 0.000 ms |" + n
            + "| CPU: garbage collector and VM | 0.000 ms | 0.000 ms |" + n
            + "| CPU: " + BrokerWork.OTHER_THREADS + " | 0.500 ms | 0.100 ms |" + n
            + "| **CPU, all the broker's threads** | **2.000 ms** | **0.400 ms** |" + n
            + "| CPU per request | 0.571 ms | 0.364 ms |" + n,
            BrokerWork.table(List.of("10/s", "saturation"), List.of(slow, fast), List.of(20L, 100L)));
    }
}
