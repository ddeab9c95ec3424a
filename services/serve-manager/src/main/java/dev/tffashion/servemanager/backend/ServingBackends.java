package dev.tffashion.servemanager.backend;

import java.nio.file.Path;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

import dev.tffashion.pipeline.quarkus.trace.PipelineTracing;
import dev.tffashion.servemanager.ModelRepository;
import dev.tffashion.servemanager.ServingBackend;
import dev.tffashion.servemanager.config.ServingConfig;
import dev.tffashion.servemanager.kubernetes.KubernetesServing;
import dev.tffashion.servemanager.kubernetes.TfServingReconciler;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;

/** CDI producers of the model repository ({@code <models-root>/<model-name>}) and of the serving backend of {@code serving.mode}. */
@ApplicationScoped
public class ServingBackends {

    @Produces
    @ApplicationScoped
    ModelRepository repository(ServingConfig config) {
        return new ModelRepository(Path.of(config.modelsRoot()).resolve(config.modelName()));
    }

    @Produces
    @ApplicationScoped
    ServingBackend backend(ServingConfig config, ModelRepository repository, Instance<TfServingReconciler> reconciler,
            PipelineTracing tracing) {
        return switch (config.mode()) {
            // Traced: a server span per gRPC call of the embedded model server, the child of the caller's (predict's) span
            case EMBEDDED -> new EmbeddedServing(config, repository.basePath(), tracing.on()
                ? List.of(GrpcTelemetry.create(tracing.openTelemetry()).newServerInterceptor()) : List.of());
            case EXTERNAL -> new ExternalServing(config);
            case KUBERNETES -> new KubernetesServing(config, reconciler.get());
        };
    }

    void close(@Disposes ServingBackend backend) {
        if (backend instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                org.jboss.logging.Logger.getLogger(ServingBackends.class).warnf("closing %s failed: %s", backend.describe(),
                        e.getMessage());
            }
        }
    }
}
