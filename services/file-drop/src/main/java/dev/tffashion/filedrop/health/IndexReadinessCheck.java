package dev.tffashion.filedrop.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import dev.tffashion.filedrop.messaging.ValueIndex;

/**
 * Ready only once the value index's state stores are restored up to where every topic stood when Kafka Streams started (its
 * state RUNNING): before that, file-drop cannot tell a retried drop (same Idempotency-Key) from a new one, nor answer for
 * predictions it answered before a restart. Topics that do not exist yet are named in the answer ({@code missingTopics}).
 */
@Readiness
@ApplicationScoped
public class IndexReadinessCheck implements HealthCheck {

    @Inject
    ValueIndex index;

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("value index caught up with Kafka").status(index.caughtUp());
        if (!index.missingTopics().isEmpty()) {
            response.withData("missingTopics", String.join(",", index.missingTopics()));
        }
        return response.build();
    }
}
