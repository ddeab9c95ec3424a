package dev.tffashion.pipeline.quarkus;

import java.time.Duration;
import java.util.Map;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.TopicProvisioner;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;

/**
 * Creates the pipeline's missing topics before the messaging channels start (this observer runs before SmallRye's), so a consumer
 * never subscribes to a topic that does not exist yet, whatever order the services start in. Its admin client's settings, security
 * included, come from Quarkus's Kafka configuration ({@link KafkaClientConfig#admin}).
 */
@ApplicationScoped
public class TopicStartup {

    private static final Logger LOG = Logger.getLogger(TopicStartup.class);

    void provision(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event, PipelineConfig config,
            PipelineGraph graph, @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        if (!config.topics().provision()) {
            LOG.info("topic provisioning is off (tf-fashion.topics.provision=false)");
            return;
        }
        Map<String, Duration> retention = config.topics().tensorRetention()
                .map(d -> Map.of(graph.topic("imageConvert", "tensor"), d)).orElse(Map.of());
        var created = TopicProvisioner.ensureTopics(KafkaClientConfig.admin(kafka), graph, config.topics().partitions(),
                config.topics().replicationFactor(), Duration.ofSeconds(60), retention);
        LOG.infof("pipeline %s: topics ready on %s (%d created)", graph.name(), KafkaClientConfig.bootstrapServers(kafka), created.size());
    }
}
