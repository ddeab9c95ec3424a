package dev.tffashion.servemanager;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.graph.ValueType;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.status.TaskState;
import dev.tffashion.pipeline.store.ContentRef;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.ContentStoreException;
import dev.tffashion.pipeline.store.Contents;
import dev.tffashion.servemanager.client.ModelServerClient;
import dev.tffashion.servemanager.config.ServingConfig;
import dev.tffashion.servemanager.messaging.EndpointPublisher;
import dev.tffashion.tfserving.client.VersionStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The serve task: installs each {@code learn.model} value as the next version of the served model, waits over gRPC until the model
 * server has it AVAILABLE, runs the model's evaluation samples through Predict, and only then announces it on
 * {@code serve.endpoint} and turns the status {@code active}. A version that fails to load or to agree is moved aside, the previous
 * version keeps serving, and the failure (status and dead letter) names the reason. One model at a time.
 */
@ApplicationScoped
public class ServeManager {

    /** The task name in the pipeline graph and on the status topic. */
    public static final String TASK = ServedEndpoint.TASK;

    private static final Logger LOG = Logger.getLogger(ServeManager.class);

    /** What happened to a model value. */
    public enum Outcome {
        /** Installed as a new version, verified and announced. */
        INSTALLED,
        /** Already the live version (a replay): verified and announced again, not reinstalled. */
        REANNOUNCED,
        /** Already installed and superseded by a newer version: nothing to do. */
        SKIPPED
    }

    @Inject
    ServingConfig config;

    @Inject
    ModelRepository repository;

    @Inject
    ServingBackend backend;

    @Inject
    ContentStore store;

    @Inject
    EndpointPublisher publisher;

    @Inject
    StatusReporter status;

    @Inject
    PipelineGraph graph;

    @Inject
    MeterRegistry registry;

    @Inject
    ModelServerClient client;

    private final AtomicLong liveVersion = new AtomicLong();
    private volatile InstalledVersion live;
    private volatile ServedEndpoint endpoint;
    private volatile boolean started;

    /**
     * Prepares the base path, makes sure the model server runs, and re-announces the live version (without reinstalling it).
     * Called once at start-up; {@link #handle} calls it too if it runs first.
     */
    public synchronized void start() {
        if (!started) {
            registry.gauge("tffashion.serve.live.version", liveVersion);
            repository.prepare();
            backend.ensureRunning();
            LOG.infof("serving model %s from %s with %s", config.modelName(), repository.basePath(), backend.describe());
            started = true;
        }
        // Started before (a leader that stood by and leads again): only the live version is announced again.
        Optional<InstalledVersion> current = repository.live();
        if (current.isEmpty()) {
            status.report(TASK, TaskState.IDLE, "no model installed yet; waiting for models on " + graph.topic("learn", "model"));
            return;
        }
        InstalledVersion version = current.get();
        if (version.modelValueId() == null) {
            LOG.warnf("version %d in %s has no %s marker: it is served but not announced", version.version(), repository.basePath(),
                    ModelRepository.MARKER);
            status.report(TASK, TaskState.IDLE, "version " + version.version() + " was not installed by the serve-manager (no marker); "
                    + "not announced");
            return;
        }
        try {
            announce(version);
            counter("reannounced", "none").increment();
        } catch (RuntimeException e) {
            LOG.errorf("cannot re-announce version %d (model %s): %s", version.version(), version.modelValueId(), e.getMessage());
            status.report(TASK, TaskState.FAILED, "version " + version.version() + " is installed but cannot be announced: "
                    + e.getMessage(), null, details(version));
        }
    }

    /** Whether start-up has run. */
    public boolean started() {
        return started;
    }

    /** The announced version, if any. */
    public Optional<InstalledVersion> live() {
        return Optional.ofNullable(live);
    }

    /** The last endpoint announced, if any. */
    public Optional<ServedEndpoint> endpoint() {
        return Optional.ofNullable(endpoint);
    }

    /** What the model server says of the announced version (for readiness). */
    public VersionStatus liveState() {
        InstalledVersion current = live;
        if (current == null) {
            throw new IllegalStateException("no version is announced");
        }
        return client.status(config.modelName(), current.version());
    }

    /**
     * Serves a {@code learn.model} value.
     *
     * @throws ModelRejectedException when the model is not served, with the reason (the consumer dead-letters it)
     */
    public synchronized Outcome handle(AnnotatedValue model) {
        start();
        status.increment(TASK, "consumed");
        try {
            validate(model);
            Optional<InstalledVersion> known = repository.findByModelValue(model.id());
            if (known.isPresent()) {
                return replayed(model, known.get());
            }
            backend.ensureRunning();
            backend.awaitReady(reason -> status.report(TASK, TaskState.WAITING, "model " + model.id() + " is pending: " + reason, null,
                    Map.of("modelValueId", model.id(), "pending", reason)));
            return install(model);
        } catch (ModelRejectedException e) {
            refused(model, e);
            throw e;
        } catch (RuntimeException e) {
            refused(model, new ModelRejectedException("error", "model " + model.id() + " could not be served: " + e.getMessage(), e));
            throw e;
        }
    }

    /** Reports a record that is not an annotated value at all. */
    public void refusedRecord(String reason) {
        status.increment(TASK, "failed");
        counter("refused", "invalid").increment();
        status.report(TASK, TaskState.FAILED, "a record on " + graph.topic("learn", "model") + " is not a model value: " + reason, null,
                liveDetails());
    }

    private Outcome replayed(AnnotatedValue model, InstalledVersion installed) {
        if (installed.failed()) {
            throw new ModelRejectedException("replay", "model " + model.id() + " was refused before as version " + installed.version()
                    + ": " + installed.failure());
        }
        InstalledVersion current = repository.live().orElse(null);
        if (current != null && current.version() == installed.version()) {
            LOG.infof("model %s is already installed as the live version %d: announcing it again, not reinstalling", model.id(),
                    installed.version());
            try {
                announce(installed);
            } catch (ModelRejectedException | ModelServerException e) {
                throw new ModelRejectedException("verify", "model " + model.id() + " (live version " + installed.version()
                        + ") cannot be announced again: " + e.getMessage(), e);
            }
            counter("reannounced", "none").increment();
            return Outcome.REANNOUNCED;
        }
        LOG.infof("model %s was installed as version %d, since superseded by version %s: skipped", model.id(), installed.version(),
                current == null ? "none" : current.version());
        counter("skipped", "none").increment();
        return Outcome.SKIPPED;
    }

    private Outcome install(AnnotatedValue model) {
        Timer.Sample timer = Timer.start(registry);
        long next = repository.claimVersion();
        status.report(TASK, TaskState.WAITING, "installing model " + model.id() + " as version " + next, null,
                Map.of("version", next, "modelValueId", model.id()));
        InstalledVersion installed;
        try (InputStream archive = Contents.open(store, ContentRef.of(model))) {
            installed = repository.install(next, archive, model.id(), model.sha256(), model.annotation("testAccuracy"));
        } catch (ContentStoreException | IOException e) {
            repository.release(next);
            throw new ModelRejectedException("archive", "the archive of model " + model.id() + " cannot be read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            repository.release(next);
            throw e;
        }
        backend.basePathChanged();
        try {
            announce(installed);
        } catch (ModelRejectedException | ModelServerException e) {
            String reason = "version " + installed.version() + " of model " + model.id() + " was moved aside: " + e.getMessage();
            repository.moveAside(installed, e.getMessage());
            backend.basePathChanged();
            awaitPreviousServing();
            throw new ModelRejectedException(e instanceof ModelRejectedException r ? r.kind() : "load", reason, e);
        }
        timer.stop(registry.timer("tffashion.serve.install"));
        counter("installed", "none").increment();
        return Outcome.INSTALLED;
    }

    private void announce(InstalledVersion version) {
        awaitAvailable(version.version());
        ServedSignature signature = client.signature(config.modelName(), version.version(), config.signatureName());
        double difference = verify(version, signature);
        ServedEndpoint announced = new ServedEndpoint(backend.grpcTarget(), backend.restUrl(), config.modelName(), version.version(),
                signature.name(), signature.inputName(), signature.outputName(), version.modelValueId(), version.testAccuracy(),
                config.mode().name().toLowerCase(java.util.Locale.ROOT));
        publisher.publish(announced.toValue(graph.name()), config.publishTimeout());
        status.increment(TASK, "produced");
        live = version;
        endpoint = announced;
        liveVersion.set(version.version());
        Map<String, Object> details = details(version);
        details.put("grpcTarget", announced.grpcTarget());
        details.put("restUrl", announced.restUrl());
        details.put("endpointId", announced.valueId());
        details.put("maxDifference", difference);
        status.report(TASK, TaskState.ACTIVE, "serving " + announced.describe() + " (model " + version.modelValueId() + ")", null,
                details);
        LOG.infof("announced endpoint %s: %s, model %s; evaluation samples agree within %.2g", announced.valueId(), announced.describe(),
                version.modelValueId(), difference);
    }

    /** Polls GetModelStatus until the version is AVAILABLE, failed, or the timeout passed. */
    private void awaitAvailable(long version) {
        long deadline = System.nanoTime() + config.availableTimeout().toNanos();
        String last = "the model server has not seen it";
        while (true) {
            try {
                VersionStatus state = client.status(config.modelName(), version);
                if (state.available()) {
                    return;
                }
                if (state.failed()) {
                    throw new ModelRejectedException("load", "version " + version + " failed to load: " + state.error());
                }
                if (state.state() == VersionStatus.State.END) {
                    throw new ModelRejectedException("load", "version " + version + " was unloaded before it became AVAILABLE");
                }
                last = "its state was " + state.state();
            } catch (ModelServerException e) {
                if (!e.unavailable()) {
                    throw e;
                }
                last = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new ModelRejectedException("load", "version " + version + " did not become AVAILABLE within "
                        + config.availableTimeout().toSeconds() + " s (" + last + ")");
            }
            pause(config.statusPollInterval());
        }
    }

    /** Runs the evaluation samples through Predict on the version; returns the largest difference. */
    private double verify(InstalledVersion version, ServedSignature signature) {
        List<EvaluationSamples.Sample> samples = EvaluationSamples.read(version.folder());
        if (samples.isEmpty()) {
            if (config.requireEvaluationSamples()) {
                throw new ModelRejectedException("verify", "the model carries no evaluation samples (" + EvaluationSamples.PATH
                        + "); without them its answers cannot be checked (serving.require-evaluation-samples=false serves it anyway)");
            }
            LOG.warnf("version %d has no evaluation samples: only checking that it answers", version.version());
            float[][] out = client.predict(config.modelName(), version.version(), signature,
                    new float[EvaluationSamples.PIXELS], signature.batchShape(1));
            requireClassScores(version, signature, out);
            return 0;
        }
        float[] images = new float[samples.size() * EvaluationSamples.PIXELS];
        for (int i = 0; i < samples.size(); i++) {
            System.arraycopy(samples.get(i).image(), 0, images, i * EvaluationSamples.PIXELS, EvaluationSamples.PIXELS);
        }
        float[][] served = client.predict(config.modelName(), version.version(), signature, images, signature.batchShape(samples.size()));
        requireClassScores(version, signature, served);
        return SampleCheck.compare(samples, served, config.tolerance());
    }

    /**
     * Refuses a version that does not answer one score per Fashion-MNIST class for each picture: predict could classify nothing
     * with it, and every picture would wait until another model is served.
     */
    private static void requireClassScores(InstalledVersion version, ServedSignature signature, float[][] served) {
        for (float[] row : served) {
            if (row.length != EvaluationSamples.CLASSES) {
                throw new ModelRejectedException("verify", "version " + version.version() + " answers " + row.length + " values per "
                        + "picture on output '" + signature.outputName() + "'; a Fashion-MNIST classifier answers "
                        + EvaluationSamples.CLASSES + " (one probability or logit per class): export the model with a [-1,10] output");
            }
        }
    }

    private void awaitPreviousServing() {
        Optional<InstalledVersion> previous = repository.live();
        if (previous.isEmpty()) {
            return;
        }
        long version = previous.get().version();
        long deadline = System.nanoTime() + config.availableTimeout().toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (client.status(config.modelName(), version).available()) {
                    return;
                }
            } catch (ModelServerException e) {
                LOG.debugf("waiting for version %d to serve again: %s", version, e.getMessage());
            }
            pause(config.statusPollInterval());
        }
        LOG.warnf("version %d is not AVAILABLE again within %d s after the new version was moved aside", version,
                config.availableTimeout().toSeconds());
    }

    private void refused(AnnotatedValue model, ModelRejectedException e) {
        status.increment(TASK, "failed");
        counter("refused", e.kind()).increment();
        LOG.errorf("model %s refused (%s): %s", model.id(), e.kind(), e.getMessage());
        Map<String, Object> details = liveDetails();
        details.put("modelValueId", model.id());
        details.put("cause", e.kind());
        status.report(TASK, TaskState.FAILED, e.getMessage(), null, details);
    }

    private void validate(AnnotatedValue model) {
        String expected = ValueType.MODEL_FILE.wireName();
        if (!expected.equals(model.type())) {
            throw new ModelRejectedException("invalid", "value " + model.id() + " has type '" + model.type() + "'; the serve task takes '"
                    + expected + "' values (a SavedModel as a tar archive)");
        }
        if (model.mediaType() != null && !model.mediaType().startsWith(Contents.TAR)) {
            throw new ModelRejectedException("invalid", "model " + model.id() + " has media type '" + model.mediaType() + "'; expected "
                    + Contents.TAR + " (a SavedModel directory as a tar archive)");
        }
    }

    private Map<String, Object> details(InstalledVersion version) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("version", version.version());
        details.put("modelValueId", version.modelValueId());
        details.put("modelName", config.modelName());
        if (version.testAccuracy() != null) {
            details.put("testAccuracy", version.testAccuracy());
        }
        return details;
    }

    private Map<String, Object> liveDetails() {
        Map<String, Object> details = new LinkedHashMap<>();
        InstalledVersion current = live;
        if (current != null) {
            details.put("servingVersion", current.version());
            details.put("servingModelValueId", current.modelValueId());
        }
        return details;
    }

    private Counter counter(String outcome, String cause) {
        return registry.counter("tffashion.serve.models", "outcome", outcome, "cause", cause);
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(Math.max(1, duration.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the model server", e);
        }
    }
}
