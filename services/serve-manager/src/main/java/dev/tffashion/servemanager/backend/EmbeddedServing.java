package dev.tffashion.servemanager.backend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import org.jboss.logging.Logger;

import dev.tffashion.modelserver.ModelServer;
import dev.tffashion.servemanager.ServingBackend;
import dev.tffashion.servemanager.config.ServingConfig;

/**
 * Embedded mode: libs/model-server in this process, over the model base path, on the configured gRPC and REST ports.
 * Warm-up is on (learn writes {@code assets.extra/tf_serving_warmup_requests} into every model, replayed before a
 * version serves); batching is off: predict already sends one call at a time with a batch of pictures, so server-side batching
 * has no concurrent calls to merge and would only add its queueing; the bench's BatchingBench line "batching helps the pipeline's
 * traffic" measures exactly that pattern, and this default follows it (libs/model-server DESIGN.md, "Batching in embedded mode").
 */
public final class EmbeddedServing implements ServingBackend, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedServing.class);

    private final ServingConfig config;
    private final Path basePath;
    private final java.util.List<io.grpc.ServerInterceptor> interceptors;
    private ModelServer server;

    public EmbeddedServing(ServingConfig config, Path basePath) {
        this(config, basePath, java.util.List.of());
    }

    /** A backend whose model server's gRPC calls go through the interceptors (tracing). */
    public EmbeddedServing(ServingConfig config, Path basePath, java.util.List<io.grpc.ServerInterceptor> interceptors) {
        this.config = config;
        this.basePath = basePath;
        this.interceptors = java.util.List.copyOf(interceptors);
    }

    @Override
    public synchronized void ensureRunning() {
        if (server != null) {
            return;
        }
        ModelServer.Builder builder = ModelServer.builder();
        interceptors.forEach(builder::interceptor);
        ModelServer created = builder.modelName(config.modelName()).modelBasePath(basePath)
                .host(config.embedded().host()).grpcPort(config.grpcPort()).restPort(config.restPort())
                .pollInterval(config.embedded().pollInterval())
                .restCors(config.embedded().restCors())
                .enableModelWarmup(true)
                .enableBatching(false)
                .build();
        try {
            created.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded model server on " + config.embedded().host() + " gRPC port "
                    + config.grpcPort() + ", REST port " + config.restPort() + ": " + e.getMessage()
                    + " (is another TF Serving running? set serving.grpc-port / serving.rest-port)", e);
        }
        server = created;
        LOG.infof("embedded model server for model %s over %s: gRPC %s, REST %s", config.modelName(), basePath, grpcTarget(), restUrl());
    }

    private ModelServer running() {
        ensureRunning();
        return server;
    }

    private String advertisedHost() {
        return config.embedded().advertisedHost()
                .orElseGet(() -> "0.0.0.0".equals(config.embedded().host()) ? "localhost" : config.embedded().host());
    }

    @Override
    public String grpcTarget() {
        return advertisedHost() + ":" + running().grpcPort();
    }

    @Override
    public String restUrl() {
        int port = running().restPort();
        return port == ModelServer.DISABLED ? null : "http://" + advertisedHost() + ":" + port;
    }

    @Override
    public void basePathChanged() {
        running().requestPoll();
    }

    @Override
    public String describe() {
        return "embedded model server (" + basePath + ")";
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
