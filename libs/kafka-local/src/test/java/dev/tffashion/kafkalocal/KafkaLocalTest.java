package dev.tffashion.kafkalocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaLocalTest {

    @Test
    void startsOnAFreePortAndRoundTripsARecordWithAcksAll() throws Exception {
        Path dataDir;
        try (KafkaLocal kafka = KafkaLocal.builder().build().start()) {
            assertTrue(kafka.isRunning());
            assertTrue(kafka.port() > 0);
            assertEquals("127.0.0.1:" + kafka.port(), kafka.bootstrapServers());
            dataDir = kafka.dataDir();

            TopicAdmin.ensureTopics(kafka.bootstrapServers(), List.of(TopicSpec.of("round-trip", 1)));
            Records.produce(kafka.bootstrapServers(), "round-trip", "k1", "hello");
            assertEquals(List.of("k1=hello"), Records.read(kafka.bootstrapServers(), "round-trip", 1));
        }
        assertFalse(Files.exists(dataDir), "the temporary data folder is deleted on close");
    }

    @Test
    void restartOverTheSameDataFolderKeepsTheRecords(@TempDir Path dir) throws Exception {
        int controllerPort;
        try (KafkaLocal kafka = KafkaLocal.builder().dataDir(dir).build().start()) {
            controllerPort = kafka.controllerPort();
            TopicAdmin.ensureTopics(kafka.bootstrapServers(), List.of(TopicSpec.of("kept", 1)));
            Records.produce(kafka.bootstrapServers(), "kept", "k1", "survives a restart");
        }
        assertTrue(Files.exists(dir.resolve(KafkaLocal.LOG_DIR_NAME).resolve("meta.properties")));
        assertTrue(Files.exists(dir.resolve(KafkaLocal.STATE_FILE_NAME)));

        try (KafkaLocal kafka = KafkaLocal.builder().dataDir(dir).build().start()) {
            assertEquals(controllerPort, kafka.controllerPort(), "the controller port stays fixed for a kept folder");
            assertEquals(List.of("k1=survives a restart"), Records.read(kafka.bootstrapServers(), "kept", 1));
        }
    }

    @Test
    void refusesAPortThatIsTakenWithAClearMessage() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            KafkaLocal kafka = KafkaLocal.builder().port(taken.getLocalPort()).build();
            KafkaLocalException e = assertThrows(KafkaLocalException.class, kafka::start);
            assertTrue(e.getMessage().contains("port " + taken.getLocalPort()), e.getMessage());
            assertFalse(kafka.isRunning());
        }
    }

    @Test
    void rejectsBadOptions() {
        assertThrows(IllegalArgumentException.class, () -> KafkaLocal.builder().port(70_000));
        assertThrows(IllegalArgumentException.class, () -> KafkaLocal.builder().partitions(0));
        assertThrows(IllegalArgumentException.class, () -> KafkaLocal.builder().host(" "));
        assertThrows(IllegalArgumentException.class, () -> KafkaLocal.builder().port(9092).controllerPort(9092).build());
        assertThrows(IllegalStateException.class, () -> KafkaLocal.builder().build().bootstrapServers());
    }
}
