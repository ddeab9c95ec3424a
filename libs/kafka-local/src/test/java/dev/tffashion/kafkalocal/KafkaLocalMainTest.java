package dev.tffashion.kafkalocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaLocalMainTest {

    @Test
    void runsAsAChildProcessPrintsReadyAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        int[] ports = freePorts();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> args = List.of("-cp", classPath, KafkaLocalMain.class.getName(),
            "--port", Integer.toString(ports[0]), "--controller-port", Integer.toString(ports[1]),
            "--data-dir", dir.resolve("kafka").toString());
        try (BrokerProcess broker = BrokerProcess.start(args, dir)) {
            assertEquals("Kafka ready at 127.0.0.1:" + ports[0], broker.awaitFirstLine(Duration.ofSeconds(120)));
            System.out.printf("kafka-local main: ready after %d ms, RSS %d MiB%n", broker.millisSinceStart(), broker.rssMib());
            assertTrue(Files.exists(dir.resolve("kafka").resolve(KafkaLocal.LOG_DIR_NAME).resolve("meta.properties")));

            assertTrue(broker.stop(Duration.ofSeconds(60)), "the broker stops on SIGTERM");
            assertFalse(broker.isAlive());
            assertEquals(143, broker.exitValue(), "exit code of a JVM ended by SIGTERM after its shutdown hooks");
            assertTrue(broker.stderr().contains("Kafka stopped"), broker.stderr());
        }
    }

    @Test
    void restartsAfterSigkillFromItsDataFolderWithEveryAcknowledgedRecord(@TempDir Path dir) throws Exception {
        int[] ports = freePorts();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> args = List.of("-cp", classPath, KafkaLocalMain.class.getName(),
            "--port", Integer.toString(ports[0]), "--controller-port", Integer.toString(ports[1]),
            "--data-dir", dir.resolve("kafka").toString());
        String bootstrap = "127.0.0.1:" + ports[0];
        try (BrokerProcess broker = BrokerProcess.start(args, Files.createDirectories(dir.resolve("first")))) {
            assertEquals("Kafka ready at " + bootstrap, broker.awaitFirstLine(Duration.ofSeconds(120)));
            try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            Records.produce(bootstrap, "kept", "a", "1");
        }
        try (BrokerProcess broker = BrokerProcess.start(args, Files.createDirectories(dir.resolve("second")))) {
            assertEquals("Kafka ready at " + bootstrap, broker.awaitFirstLine(Duration.ofSeconds(120)),
                "the broker starts again on the same ports from the data folder of a SIGKILLed run");
            System.out.printf("kafka-local main: ready again after SIGKILL in %d ms%n", broker.millisSinceStart());
            assertEquals(List.of("a=1"), Records.read(bootstrap, "kept", 1));
            Records.produce(bootstrap, "kept", "b", "2");
            assertEquals(List.of("a=1", "b=2"), Records.read(bootstrap, "kept", 2));
        }
    }

    @Test
    void parsesOptionsWithDefaults() {
        KafkaLocalMain.Options defaults = KafkaLocalMain.Options.parse(new String[0]);
        assertEquals("127.0.0.1", defaults.host);
        assertEquals(9092, defaults.port);
        assertEquals(9093, defaults.controllerPort);
        assertEquals(Path.of(".tf-fashion", "kafka"), defaults.dataDir);

        KafkaLocalMain.Options options = KafkaLocalMain.Options.parse(new String[] {
            "--host", "localhost", "--port=19092", "--controller-port", "19093", "--data-dir", "d",
            "--partitions", "3", "--property", "message.max.bytes=2097152", "--log-level", "INFO"});
        assertEquals("localhost", options.host);
        assertEquals(19092, options.port);
        assertEquals(19093, options.controllerPort);
        assertEquals(Path.of("d"), options.dataDir);
        assertEquals(3, options.partitions);
        assertEquals(Map.of("message.max.bytes", "2097152"), options.properties);
        assertEquals("info", options.logLevel);
    }

    @Test
    void rejectsBadOptionsWithAClearMessage() {
        assertMessage("unknown option '--bogus'", "--bogus", "1");
        assertMessage("--port must be a whole number", "--port", "x");
        assertMessage("--port must be a port number", "--port", "0");
        assertMessage("option --data-dir needs a value", "--data-dir");
        assertMessage("--port and --controller-port must differ", "--port", "9093");
        assertMessage("--property needs KEY=VALUE", "--property", "novalue");
    }

    private static void assertMessage(String expected, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KafkaLocalMain.Options.parse(args));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    /** Two distinct free ports on 127.0.0.1. */
    static int[] freePorts() throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket first = new ServerSocket(0, 1, loopback); ServerSocket second = new ServerSocket(0, 1, loopback)) {
            return new int[] {first.getLocalPort(), second.getLocalPort()};
        }
    }
}
