package dev.tffashion.pipeline.quarkus.follow;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import dev.tffashion.pipeline.quarkus.PipelineConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;

/**
 * Starts {@link TopicFollower}s with Quarkus's Kafka configuration (the {@code default-kafka-broker} map: every
 * {@code kafka.*} property, TLS and SASL included), the {@code tf-fashion.follow.*} backoff settings and the service's meter
 * registry, and stops all of them when the application stops.
 */
@ApplicationScoped
public class TopicFollowers {

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    PipelineConfig config;

    @Inject
    Instance<MeterRegistry> registry;

    private final List<TopicFollower> started = new CopyOnWriteArrayList<>();

    /** A follower named {@code name} with this service's Kafka settings; the caller adds topics and apply, then starts it. */
    public TopicFollower.Builder follower(String name) {
        PipelineConfig.Follow follow = config.follow();
        return TopicFollower.builder(name, kafka).backoff(follow.minBackoff(), follow.maxBackoff())
            .metadataRefresh(follow.metadataRefresh()).meterRegistry(registry.isResolvable() ? registry.get() : null)
            .onStart(started::add);
    }

    @PreDestroy
    void stop() {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        started.clear();
    }
}
