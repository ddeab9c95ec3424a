package dev.tffashion.pipeline.quarkus;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The settings of a raw Kafka client (a topic follower, the status producer, topic provisioning) taken from Quarkus's Kafka
 * configuration: the {@code @Identifier("default-kafka-broker")} map, which holds every {@code kafka.*} property (bootstrap
 * servers, {@code security.protocol}, {@code sasl.*}, {@code ssl.*}, and the {@code tls-configuration-name} of the Quarkus TLS
 * registry). So a cluster with TLS or SASL configured once under {@code kafka.*} reaches these clients as it reaches the
 * SmallRye channels. Only the keys the client type knows are kept, so Kafka does not warn about the others, and the
 * consumer-group settings Quarkus adds (its {@code group.id}) are left to the channels.
 */
public final class KafkaClientConfig {

    /** Read by Quarkus's {@code QuarkusKafkaSslEngineFactory}, which Quarkus sets when {@code kafka.tls-configuration-name} is. */
    static final String TLS_CONFIGURATION_NAME = "tls-configuration-name";

    private KafkaClientConfig() {
    }

    /** Settings for a consumer, without group: {@code group.id} and {@code group.instance.id} are removed. */
    public static Map<String, Object> consumer(Map<String, Object> kafka) {
        Map<String, Object> config = filter(kafka, ConsumerConfig.configNames());
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        return config;
    }

    /** Settings for a producer. */
    public static Map<String, Object> producer(Map<String, Object> kafka) {
        return filter(kafka, ProducerConfig.configNames());
    }

    /** Settings for an admin client. */
    public static Map<String, Object> admin(Map<String, Object> kafka) {
        return filter(kafka, AdminClientConfig.configNames());
    }

    /** The bootstrap servers, for log lines and error messages. */
    public static String bootstrapServers(Map<String, Object> kafka) {
        Object servers = kafka.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
        return servers == null ? "localhost:9092 (Kafka's default; kafka.bootstrap.servers is not set)" : servers.toString();
    }

    private static Map<String, Object> filter(Map<String, Object> kafka, Set<String> known) {
        Map<String, Object> config = new HashMap<>();
        kafka.forEach((key, value) -> {
            if (value != null && (known.contains(key) || key.startsWith("ssl.") || key.startsWith("sasl.")
                    || key.equals(TLS_CONFIGURATION_NAME))) {
                config.put(key, value);
            }
        });
        return config;
    }
}
