package dev.tffashion.pipeline.quarkus.trace;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.opentelemetry.api.OpenTelemetry;

/**
 * Produces the service's {@link PipelineTracing}: on when the OpenTelemetry SDK runs ({@code quarkus.otel.sdk.disabled=false},
 * {@code quarkus.otel.traces.enabled}), off otherwise. The SDK is disabled by default (this library's microprofile-config.properties):
 * a service with no exporter configured exports nothing and logs nothing about it. docs/observability.md.
 */
@ApplicationScoped
public class PipelineTracingProducer {

    @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false")
    boolean sdkDisabled;

    @ConfigProperty(name = "quarkus.otel.traces.enabled", defaultValue = "true")
    boolean tracesEnabled;

    @Produces
    @ApplicationScoped
    PipelineTracing tracing(OpenTelemetry openTelemetry) {
        return new PipelineTracing(openTelemetry, !sdkDisabled && tracesEnabled);
    }
}
