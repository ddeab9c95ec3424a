package dev.tffashion.kafkalocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runnable form as bin/tf-fashion starts it: {@code java -jar target/kafka-local-*.jar} with target/lib. */
class KafkaLocalJarIT {

    @Test
    void packagedJarRunsKeepsDataAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        Path jar = Path.of(System.getProperty("kafka-local.jar", "target/kafka-local-0.1.0-SNAPSHOT.jar")).toAbsolutePath();
        assertTrue(Files.exists(jar), "package the module first: " + jar);
        int[] ports = KafkaLocalMainTest.freePorts();
        List<String> args = List.of("-jar", jar.toString(), "--port", Integer.toString(ports[0]),
            "--controller-port", Integer.toString(ports[1]), "--data-dir", dir.resolve("kafka").toString());

        try (BrokerProcess broker = BrokerProcess.start(args, dir)) {
            assertEquals("Kafka ready at 127.0.0.1:" + ports[0], broker.awaitFirstLine(Duration.ofSeconds(120)));
            System.out.printf("kafka-local jar, first start: ready after %d ms, RSS %d MiB%n", broker.millisSinceStart(), broker.rssMib());
            TopicAdmin.ensureTopics("127.0.0.1:" + ports[0], List.of(TopicSpec.of("jar-it", 1)));
            Records.produce("127.0.0.1:" + ports[0], "jar-it", "k", "kept");
            assertTrue(broker.stop(Duration.ofSeconds(60)), "the broker stops on SIGTERM");
        }
        try (BrokerProcess broker = BrokerProcess.start(args, dir)) {
            assertEquals("Kafka ready at 127.0.0.1:" + ports[0], broker.awaitFirstLine(Duration.ofSeconds(120)));
            System.out.printf("kafka-local jar, restart: ready after %d ms, RSS %d MiB%n", broker.millisSinceStart(), broker.rssMib());
            assertEquals(List.of("k=kept"), Records.read("127.0.0.1:" + ports[0], "jar-it", 1));
            assertTrue(broker.stop(Duration.ofSeconds(60)), "the broker stops on SIGTERM");
        }
    }
}
