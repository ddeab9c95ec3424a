package dev.tffashion.pipeline.quarkus;

import java.time.Duration;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.TopicProvisioner;
import io.quarkus.runtime.StartupEvent;

/**
 * Creates the pipeline's missing topics before the messaging channels start (this observer runs before SmallRye's), so a consumer
 * never subscribes to a topic that does not exist yet, whatever order the services start in.
 */
@ApplicationScoped
public class TopicStartup {

    private static final Logger LOG = Logger.getLogger(TopicStartup.class);

    void provision(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event, PipelineConfig config,
            PipelineGraph graph, @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "localhost:9092") String bootstrap) {
        if (!config.topics().provision()) {
            LOG.info("topic provisioning is off (tf-fashion.topics.provision=false)");
            return;
        }
        var created = TopicProvisioner.ensureTopics(bootstrap, graph, config.topics().partitions(),
                config.topics().replicationFactor(), Duration.ofSeconds(60));
        LOG.infof("pipeline %s: topics ready on %s (%d created)", graph.name(), bootstrap, created.size());
    }
}
