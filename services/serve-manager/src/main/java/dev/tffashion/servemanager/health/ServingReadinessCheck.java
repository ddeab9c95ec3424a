package dev.tffashion.servemanager.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.tffashion.servemanager.InstalledVersion;
import dev.tffashion.servemanager.ServeManager;
import dev.tffashion.servemanager.ServeStartup;
import dev.tffashion.servemanager.config.ServingConfig;
import dev.tffashion.tfserving.client.VersionStatus;

/**
 * Ready when the serve-manager can do its job: start-up ran (model server up or reachable) and, once a version is announced, the
 * model server reports that version AVAILABLE. A standby replica (not the leader) is ready as it is. Kafka's readiness is
 * checked by Quarkus' own Kafka and messaging checks.
 */
@Readiness
@ApplicationScoped
public class ServingReadinessCheck implements HealthCheck {

    @Inject
    ServeManager manager;

    @Inject
    ServeStartup startup;

    @Inject
    ServingConfig config;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("model serving").withData("mode",
                config.mode().name().toLowerCase(java.util.Locale.ROOT)).withData("model", config.modelName());
        if (!startup.leading()) {
            // A standby is ready: it does its job by waiting, and a rolling update must not wait for it to lead.
            return response.up().withData("role", "standby").withData("election", startup.election()).build();
        }
        response.withData("role", "leader");
        if (!manager.started()) {
            String failure = startup.failure();
            return response.down().withData("reason", failure == null ? "starting" : failure).build();
        }
        InstalledVersion live = manager.live().orElse(null);
        if (live == null) {
            return response.up().withData("version", "none announced yet").build();
        }
        response.withData("version", live.version());
        manager.endpoint().ifPresent(e -> response.withData("grpcTarget", e.grpcTarget()));
        try {
            VersionStatus state = manager.liveState();
            response.withData("state", state.state().name());
            return state.available() ? response.up().build() : response.down().build();
        } catch (RuntimeException e) {
            return response.down().withData("reason", String.valueOf(e.getMessage())).build();
        }
    }
}
