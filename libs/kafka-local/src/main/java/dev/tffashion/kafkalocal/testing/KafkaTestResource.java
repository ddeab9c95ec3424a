package dev.tffashion.kafkalocal.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.tffashion.kafkalocal.KafkaLocal;
import dev.tffashion.kafkalocal.TopicAdmin;
import dev.tffashion.kafkalocal.TopicSpec;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Quarkus test resource that gives {@code @QuarkusTest} tests a real Kafka: Testcontainers Kafka ({@code apache/kafka})
 * when Docker is available, else an in-process {@link KafkaLocal}. It sets {@code kafka.bootstrap.servers}, turns off
 * Quarkus' Kafka Dev Services, and injects a {@link KafkaCompanion} into fields annotated {@link InjectKafkaCompanion}.
 *
 * <pre>{@code
 * @QuarkusTest
 * @WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
 * class LearnConsumerTest {
 *     @InjectKafkaCompanion
 *     KafkaCompanion companion;
 * }
 * }</pre>
 *
 * <p>Init args (or system properties {@code kafka-local.test.mode} / {@code kafka-local.test.image}):
 * {@value #MODE} = {@code auto} (default: container when Docker answers and the container starts, else embedded),
 * {@code container} or {@code embedded}; {@value #IMAGE} (default
 * {@value #DEFAULT_IMAGE}); {@value #PARTITIONS} = default partitions of new topics (default 1); {@value #TOPICS} and
 * {@value #COMPACTED_TOPICS} = comma-separated topics created before Quarkus starts (the broker does not auto-create).
 */
public class KafkaTestResource implements QuarkusTestResourceLifecycleManager {

    /** Init arg: {@code auto} (a container if Docker answers and it starts, else embedded), {@code container} or {@code embedded}. */
    public static final String MODE = "mode";
    /** Init arg: the Kafka image for the container mode. */
    public static final String IMAGE = "image";
    /** Init arg: default partition count of new topics ({@code num.partitions}). */
    public static final String PARTITIONS = "partitions";
    /** Init arg: comma-separated topics to create (with the default partitions) before Quarkus starts. */
    public static final String TOPICS = "topics";
    /** Init arg: comma-separated compacted topics to create before Quarkus starts. */
    public static final String COMPACTED_TOPICS = "compacted-topics";
    /** Image used in container mode unless {@value #IMAGE} says otherwise: the broker version of the clients. */
    public static final String DEFAULT_IMAGE = "apache/kafka:4.1.2";
    /** System property that holds the bootstrap servers while the resource runs (readable from any class loader). */
    public static final String BOOTSTRAP_PROPERTY = "kafka-local.test.bootstrap.servers";

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTestResource.class);
    private static final String SYSTEM_PREFIX = "kafka-local.test.";
    private static volatile String current;

    private Map<String, String> initArgs = Map.of();
    private KafkaContainer container;
    private KafkaLocal embedded;
    private KafkaCompanion companion;

    /**
     * The bootstrap servers of the running test Kafka, for tests that need them directly.
     *
     * @throws IllegalStateException when no {@code KafkaTestResource} is running
     */
    public static String bootstrapServers() {
        String servers = current != null ? current : System.getProperty(BOOTSTRAP_PROPERTY);
        if (servers == null) {
            throw new IllegalStateException("No test Kafka is running: annotate the test class with "
                + "@WithTestResource(KafkaTestResource.class)");
        }
        return servers;
    }

    @Override
    public void init(Map<String, String> initArgs) {
        this.initArgs = initArgs == null ? Map.of() : Map.copyOf(initArgs);
    }

    @Override
    public Map<String, String> start() {
        int partitions = partitions();
        String bootstrap = switch (mode()) {
            case "container" -> startContainer(partitions);
            case "embedded" -> startEmbedded(partitions);
            default -> DockerClientFactory.instance().isDockerAvailable()
                ? startContainerOrEmbedded(partitions)
                : startEmbedded(partitions);
        };
        try {
            current = bootstrap;
            System.setProperty(BOOTSTRAP_PROPERTY, bootstrap);
            createTopics(bootstrap, partitions);
            companion = new KafkaCompanion(bootstrap, Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
        return Map.of(
            "kafka.bootstrap.servers", bootstrap,
            "quarkus.kafka.devservices.enabled", "false");
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(companion,
            new TestInjector.AnnotatedAndMatchesType(InjectKafkaCompanion.class, KafkaCompanion.class));
    }

    @Override
    public void stop() {
        current = null;
        System.clearProperty(BOOTSTRAP_PROPERTY);
        try {
            if (companion != null) {
                companion.close();
            }
        } finally {
            companion = null;
            if (container != null) {
                container.stop();
                container = null;
            }
            if (embedded != null) {
                embedded.close();
                embedded = null;
            }
        }
    }

    private void createTopics(String bootstrap, int partitions) {
        List<TopicSpec> specs = new ArrayList<>();
        names(TOPICS).forEach(name -> specs.add(TopicSpec.of(name, partitions)));
        names(COMPACTED_TOPICS).forEach(name -> specs.add(TopicSpec.compacted(name, partitions)));
        if (!specs.isEmpty()) {
            TopicAdmin.ensureTopics(bootstrap, specs);
        }
    }

    private List<String> names(String arg) {
        return Arrays.stream(setting(arg, "").split(",")).map(String::strip).filter(name -> !name.isEmpty()).toList();
    }

    private String startContainerOrEmbedded(int partitions) {
        try {
            return startContainer(partitions);
        } catch (RuntimeException e) {
            LOG.warn("Kafka container did not start ({}); using the in-process broker instead. Set mode=container to make this "
                + "an error", e.toString());
            if (container != null) {
                container.stop();
                container = null;
            }
            return startEmbedded(partitions);
        }
    }

    private String startContainer(int partitions) {
        String image = setting(IMAGE, DEFAULT_IMAGE);
        LOG.info("Starting Kafka in a container ({})", image);
        container = new KafkaContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("apache/kafka"))
            .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
            .withEnv("KAFKA_NUM_PARTITIONS", Integer.toString(partitions))
            .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
        container.start();
        return container.getBootstrapServers();
    }

    private String startEmbedded(int partitions) {
        LOG.info("Docker is not used: starting Kafka in this JVM (kafka-local)");
        embedded = KafkaLocal.builder().partitions(partitions).build().start();
        return embedded.bootstrapServers();
    }

    private String mode() {
        String mode = setting(MODE, "auto").toLowerCase(Locale.ROOT);
        if (!mode.equals("auto") && !mode.equals("container") && !mode.equals("embedded")) {
            throw new IllegalArgumentException("KafkaTestResource mode must be auto, container or embedded, not '" + mode + "'");
        }
        return mode;
    }

    private int partitions() {
        String value = setting(PARTITIONS, "1");
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("KafkaTestResource partitions must be a whole number, not '" + value + "'", e);
        }
    }

    private String setting(String name, String fallback) {
        String value = initArgs.get(name);
        if (value == null || value.isBlank()) {
            value = System.getProperty(SYSTEM_PREFIX + name);
        }
        return value == null || value.isBlank() ? fallback : value.strip();
    }
}
