package dev.tffashion.servemanager;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.EndpointValue;
import dev.tffashion.pipeline.contracts.ModelValue;
import dev.tffashion.pipeline.contracts.RolloutPolicy;
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
import dev.tffashion.servemanager.config.ServingMode;
import dev.tffashion.servemanager.messaging.EndpointPublisher;
import dev.tffashion.servemanager.messaging.RolloutDeadLetters;
import dev.tffashion.servemanager.replay.ReplayHolds;
import dev.tffashion.servemanager.rollout.RolloutGate;
import dev.tffashion.servemanager.rollout.ServerVersions;
import dev.tffashion.servemanager.rollout.ShadowStats;
import dev.tffashion.tfserving.client.VersionStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The serve task: installs each {@code learn.model} value as the next version of the served model, waits over gRPC until the model
 * server has it AVAILABLE, runs the model's evaluation samples through Predict, and only then announces it on
 * {@code serve.endpoint} and turns the status {@code active}. A version that fails to load or to agree is moved aside, the previous
 * version keeps serving, and the failure (status and dead letter) names the reason. One model at a time.
 *
 * <p>Rollouts (README, "Rollouts"): under the policy {@code shadow} or {@code canary} (configured, or the recipe's {@code rollout:})
 * a new version is served beside the live one (model config with a {@code specific} version policy, labels {@code stable} and
 * {@code canary}) and announced as the endpoint's challenger; the challenger's predictions on {@code <pipeline>.predict.shadow}
 * feed the promotion gate ({@link RolloutGate}), which promotes or rejects it (a rejection goes to {@code <pipeline>.serve.dlq}).
 * Promotion and rollback by hand come from file-drop over {@code <pipeline>.serve.control}. A replaced version stays loaded for
 * {@code serving.rollout.unload-after} after the switch is announced, so no prediction sent to it fails.
 */
@ApplicationScoped
public class ServeManager {

    /** The task name in the pipeline graph and on the status topic. */
    public static final String TASK = ServedEndpoint.TASK;

    private static final Logger LOG = Logger.getLogger(ServeManager.class);
    /** How long after a shadow prediction its trial's numbers go on status, at the latest. */
    private static final long TRIAL_REPORT_DELAY_MILLIS = 1000;

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

    @Inject
    RolloutDeadLetters deadLetters;

    /** A challenger on trial beside the live version. */
    public record Trial(InstalledVersion challenger, RolloutPolicy policy, Double canaryWeight, ShadowStats stats, Instant since,
            AnnotatedValue model) {
    }

    /** The last decision on a challenger, for status and the API. */
    public record RolloutDecision(Long version, String outcome, String reason, Instant at) {
    }

    private final AtomicLong liveVersion = new AtomicLong();
    private final Set<Long> lingering = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService unloader = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "serve-unloader");
        t.setDaemon(true);
        return t;
    });
    /** Whether a report of the running trial's numbers is scheduled (see {@link #shadowPrediction}). */
    private final AtomicBoolean trialReportPending = new AtomicBoolean();
    private volatile Trial trial;
    private volatile RolloutDecision lastDecision;
    private volatile ServerVersions serverVersions;
    private volatile InstalledVersion live;
    private volatile ServedEndpoint endpoint;
    private volatile boolean started;
    /** The versions running replays ask, served beside the live one (see {@link #replays}). */
    private volatile Set<Long> replayVersions = Set.of();
    /**
     * The versions of {@link #replayVersions} last given to the model server; null until the first look after start-up, which
     * always gives the server its config (a model server that outlived a restart may still hold a replay's version).
     */
    private Set<Long> appliedReplayVersions;
    private volatile List<Map<String, Object>> runningReplays = List.of();
    private volatile String lastReplayRefusal;

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
        Optional<RolloutState> state = repository.rolloutState();
        if (state.isPresent() && version.modelValueId() != null) {
            resume(state.get(), version);
            return;
        }
        if (version.modelValueId() == null) {
            LOG.warnf("version %d in %s has no %s marker: it is served but not announced", version.version(), repository.basePath(),
                    ModelRepository.MARKER);
            status.report(TASK, TaskState.IDLE, "version " + version.version() + " was not installed by the serve-manager (no marker); "
                    + "not announced");
            return;
        }
        reannounce(version, () -> { });
    }

    /** Serves what the rollout state names again (a restart, or a new leader): the live version and the challenger on trial. */
    private void resume(RolloutState state, InstalledVersion version) {
        Trial resumed = null;
        if (state.challenger() != null) {
            Optional<InstalledVersion> challenger = repository.version(state.challenger());
            if (challenger.isPresent() && challenger.get().modelValueId() != null) {
                RolloutPolicy policy = RolloutPolicy.parse(state.policy());
                resumed = new Trial(challenger.get(), policy, state.canaryWeight(), new ShadowStats(version.version(),
                    state.challenger()), state.since(), null);
            }
        }
        Trial challenger = resumed;
        reannounce(version, () -> {
            if (challenger == null) {
                applyVersions(Set.of(version.version()), Map.of(EndpointValue.STABLE_LABEL, version.version()));
            } else {
                applyVersions(Set.of(version.version(), challenger.challenger().version()), Map.of());
                awaitAvailable(version.version());
                awaitAvailable(challenger.challenger().version());
                applyVersions(Set.of(version.version(), challenger.challenger().version()), Map.of(EndpointValue.STABLE_LABEL,
                    version.version(), EndpointValue.CANARY_LABEL, challenger.challenger().version()));
            }
            trial = challenger;
        });
    }

    /** Announces an installed version again after {@code prepare} (serving it as before); a failure goes on status. */
    private void reannounce(InstalledVersion version, Runnable prepare) {
        try {
            prepare.run();
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
                    liveDetails("modelValueId", model.id(), "pending", reason)));
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
        RolloutPolicy policy = policyOf(model);
        Trial running = trial;
        if (running != null) {
            endTrial(running, false, "v" + running.challenger().version() + " rejected: superseded by model " + model.id(), "superseded");
        }
        Optional<InstalledVersion> current = repository.live().filter(v -> v.modelValueId() != null && v.version() == liveVersion.get());
        if (policy != RolloutPolicy.IMMEDIATE && current.isPresent()) {
            return installChallenger(model, policy, current.get());
        }
        if (policy != RolloutPolicy.IMMEDIATE) {
            LOG.infof("model %s asks for rollout %s, but no version is live yet: it goes live at once", model.id(), policy.wireName());
        }
        Optional<RolloutState> managed = repository.rolloutState();
        if ((managed.isPresent() || !replayVersions.isEmpty()) && current.isPresent()) {
            // the server serves specific versions (a rollout, or a replay's version): the new one is added to them
            return installManaged(model, current.get());
        }
        Timer.Sample timer = Timer.start(registry);
        InstalledVersion installed = unpack(model);
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

    /** The recipe's rollout policy, else the configured one. */
    private RolloutPolicy policyOf(AnnotatedValue model) {
        String asked = model.annotation(ModelValue.ROLLOUT);
        RolloutPolicy policy;
        if (asked == null || asked.isBlank()) {
            policy = config.rollout().policy();
        } else {
            try {
                policy = RolloutPolicy.parse(asked);
            } catch (IllegalArgumentException e) {
                throw new ModelRejectedException("invalid", "model " + model.id() + ": its annotation " + ModelValue.ROLLOUT + ": "
                        + e.getMessage() + " (set rollout: in the recipe)", e);
            }
        }
        if (policy != RolloutPolicy.IMMEDIATE && config.mode() == ServingMode.KUBERNETES) {
            throw new ModelRejectedException("invalid", "model " + model.id() + " asks for rollout " + policy.wireName() + ", which "
                    + "needs serving.mode embedded or external (a model config reload reaches one TF Serving, not every replica of the "
                    + "Deployment); use rollout: immediate on Kubernetes");
        }
        return policy;
    }

    /** Unpacks a model as the next version (claimed atomically). */
    private InstalledVersion unpack(AnnotatedValue model) {
        long next = repository.claimVersion();
        status.report(TASK, TaskState.WAITING, "installing model " + model.id() + " as version " + next, null,
                liveDetails("version", next, "modelValueId", model.id()));
        try (InputStream archive = Contents.open(store, ContentRef.of(model))) {
            return repository.install(next, archive, model.id(), model.sha256(), model.annotation("testAccuracy"));
        } catch (ContentStoreException | IOException e) {
            repository.release(next);
            throw new ModelRejectedException("archive", "the archive of model " + model.id() + " cannot be read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            repository.release(next);
            throw e;
        }
    }

    /**
     * Immediate rollout while serve-manager manages the version policy (after a rollout or rollback): the new version is loaded beside
     * the live one, verified and announced; then the server goes back to its default policy, the latest version (the new one).
     */
    private Outcome installManaged(AnnotatedValue model, InstalledVersion current) {
        applyVersions(Set.of(current.version()), Map.of(EndpointValue.STABLE_LABEL, current.version()));
        InstalledVersion installed = unpack(model);
        try {
            applyVersions(Set.of(current.version(), installed.version()), Map.of(EndpointValue.STABLE_LABEL, current.version()));
            repository.saveRolloutState(RolloutState.live(installed.version()));
            announce(installed);
        } catch (ModelRejectedException | ModelServerException e) {
            repository.saveRolloutState(RolloutState.live(current.version()));
            String reason = "version " + installed.version() + " of model " + model.id() + " was moved aside: " + e.getMessage();
            repository.moveAside(installed, e.getMessage());
            applyVersions(Set.of(current.version()), Map.of(EndpointValue.STABLE_LABEL, current.version()));
            throw new ModelRejectedException(e instanceof ModelRejectedException r ? r.kind() : "load", reason, e);
        }
        linger(current.version(), () -> {
            repository.clearRolloutState();
            applyVersions(Set.of(), Map.of());
        });
        counter("installed", "none").increment();
        return Outcome.INSTALLED;
    }

    /**
     * Shadow or canary: the new version is loaded beside the live one (specific versions; label {@code canary} once it is
     * AVAILABLE), checked against its evaluation samples, and announced as the challenger. The live version keeps answering.
     */
    private Outcome installChallenger(AnnotatedValue model, RolloutPolicy policy, InstalledVersion current) {
        long stable = current.version();
        applyVersions(Set.of(stable), Map.of(EndpointValue.STABLE_LABEL, stable));
        repository.saveRolloutState(RolloutState.live(stable));
        InstalledVersion challenger = unpack(model);
        try {
            applyVersions(Set.of(stable, challenger.version()), Map.of(EndpointValue.STABLE_LABEL, stable));
            awaitAvailable(challenger.version());
            ServedSignature signature = client.signature(config.modelName(), challenger.version(), config.signatureName());
            verify(challenger, signature);
            applyVersions(Set.of(stable, challenger.version()), Map.of(EndpointValue.STABLE_LABEL, stable, EndpointValue.CANARY_LABEL,
                    challenger.version()));
        } catch (ModelRejectedException | ModelServerException e) {
            String reason = "version " + challenger.version() + " of model " + model.id() + " was moved aside: " + e.getMessage();
            repository.moveAside(challenger, e.getMessage());
            applyVersions(Set.of(stable), Map.of(EndpointValue.STABLE_LABEL, stable));
            throw new ModelRejectedException(e instanceof ModelRejectedException r ? r.kind() : "load", reason, e);
        }
        Double weight = policy == RolloutPolicy.CANARY ? config.rollout().canaryWeight() : null;
        Instant since = Instant.now();
        repository.saveRolloutState(new RolloutState(stable, challenger.version(), policy.wireName(), weight, since));
        trial = new Trial(challenger, policy, weight, new ShadowStats(stable, challenger.version()), since, model);
        announce(current);
        counter("challenger", policy.wireName()).increment();
        LOG.infof("version %d (model %s) is on trial (%s) beside the live version %d; the gate decides after %d predictions",
                challenger.version(), model.id(), policy.wireName(), stable, gate().predictions());
        return Outcome.INSTALLED;
    }

    /** The promotion gate of {@code serving.rollout.*}. */
    public RolloutGate gate() {
        ServingConfig.Rollout r = config.rollout();
        return new RolloutGate(r.shadowPredictions(), r.minAgreement(), r.accuracyTolerance(), r.latencyGate(),
                r.maxLatencyIncreasePercent());
    }

    /** The challenger on trial, if any. */
    public Optional<Trial> trial() {
        return Optional.ofNullable(trial);
    }

    /** The last promotion or rejection, if any. */
    public Optional<RolloutDecision> lastDecision() {
        return Optional.ofNullable(lastDecision);
    }

    /**
     * Counts one shadow (or canary) prediction of the challenger; when the trial has enough, the gate decides. Predictions of another
     * pair of versions (an earlier trial) are ignored.
     */
    public void shadowPrediction(long liveVersionOfIt, long challengerVersion, String tensorId, int liveLabel, int challengerLabel,
            long liveMicros, long challengerMicros) {
        Trial current = trial;
        if (current == null || current.challenger().version() != challengerVersion || liveVersion.get() != liveVersionOfIt) {
            return;
        }
        if (!current.stats().add(tensorId, liveLabel, challengerLabel, liveMicros, challengerMicros)) {
            return;
        }
        ShadowStats.Snapshot snapshot = current.stats().snapshot();
        Optional<RolloutGate.Decision> decision = gate().decide(snapshot, accuracy(current.challenger()), accuracy(live));
        if (decision.isPresent()) {
            decide(current, decision.get());
        } else if (trialReportPending.compareAndSet(false, true)) {
            // live on status (and so on the API and the UI) within a second, at most one report a second however busy
            try {
                unloader.schedule(() -> {
                    trialReportPending.set(false);
                    if (trial == current) {
                        reportTrial(current);
                    }
                }, TRIAL_REPORT_DELAY_MILLIS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                trialReportPending.set(false); // stopping: nothing more to report
            }
        }
    }

    private synchronized void decide(Trial decided, RolloutGate.Decision decision) {
        if (trial != decided) {
            return;
        }
        LOG.infof("promotion gate: %s", decision.reason());
        if (decision.promote()) {
            promote(decided, decision.reason());
        } else {
            endTrial(decided, false, decision.reason(), "gate");
        }
    }

    /**
     * Promotes the challenger on trial by hand.
     *
     * @throws IllegalStateException when no challenger is on trial
     */
    public synchronized void promote(String by) {
        Trial current = trial;
        if (current == null) {
            throw new IllegalStateException("no challenger is on trial: nothing to promote");
        }
        promote(current, "v" + current.challenger().version() + " promoted by hand (" + by + ")");
    }

    private void promote(Trial current, String reason) {
        InstalledVersion old = live;
        long next = current.challenger().version();
        applyVersions(Set.of(old.version(), next), Map.of(EndpointValue.STABLE_LABEL, next));
        repository.saveRolloutState(RolloutState.live(next));
        trial = null;
        lastDecision = new RolloutDecision(next, "promoted", reason, Instant.now());
        announce(current.challenger());
        linger(old.version(), this::applyCurrent);
        counter("promoted", "none").increment();
    }

    /**
     * Makes an earlier version live again: the given one, or the installed version just below the live one. A challenger on trial is
     * rejected. The live version stays loaded until the switch is announced and {@code serving.rollout.unload-after} has passed.
     *
     * @throws IllegalArgumentException when there is no such version
     */
    public synchronized long rollback(Long version, String by) {
        InstalledVersion current = live;
        if (current == null) {
            throw new IllegalArgumentException("no version is live: nothing to roll back");
        }
        InstalledVersion target;
        if (version == null) {
            target = repository.versions().stream().filter(v -> v.version() < current.version() && v.modelValueId() != null)
                    .reduce((a, b) -> b).orElseThrow(() -> new IllegalArgumentException("no installed version below the live version "
                            + current.version() + " to roll back to; installed: " + installedNumbers()));
        } else {
            target = repository.version(version).filter(v -> v.modelValueId() != null).orElseThrow(() -> new IllegalArgumentException(
                    "version " + version + " is not installed (or was moved aside); installed: " + installedNumbers()));
            if (version == current.version()) {
                throw new IllegalArgumentException("version " + version + " is already live");
            }
        }
        Trial running = trial;
        if (running != null) {
            endTrial(running, false, "v" + running.challenger().version() + " rejected: rolled back to v" + target.version() + " ("
                    + by + ")", "rollback");
        }
        applyVersions(union(current.version(), target.version()), Map.of(EndpointValue.STABLE_LABEL, current.version()));
        awaitAvailable(target.version());
        applyVersions(union(current.version(), target.version()), Map.of(EndpointValue.STABLE_LABEL, target.version()));
        repository.saveRolloutState(RolloutState.live(target.version()));
        lastDecision = new RolloutDecision(target.version(), "rolledBack", "rolled back from v" + current.version() + " to v"
                + target.version() + " (" + by + ")", Instant.now());
        announce(target);
        linger(current.version(), this::applyCurrent);
        counter("rolledBack", "none").increment();
        return target.version();
    }

    /** Records a manual command that could not be carried out (status and the API show it). */
    public void commandRefused(String reason) {
        lastDecision = new RolloutDecision(null, "refused", reason, Instant.now());
        if (endpoint != null && live != null) {
            reportServing(live, endpoint, Double.NaN);
        }
    }

    private List<Long> installedNumbers() {
        return repository.versions().stream().filter(v -> v.modelValueId() != null).map(InstalledVersion::version).toList();
    }

    /** Ends a trial without promotion: announced without challenger, unloaded after the grace period, moved aside, dead-lettered. */
    private void endTrial(Trial ended, boolean quiet, String reason, String cause) {
        trial = null;
        long stable = live.version();
        repository.saveRolloutState(RolloutState.live(stable));
        lastDecision = new RolloutDecision(ended.challenger().version(), "rejected", reason, Instant.now());
        announce(live);
        InstalledVersion challenger = ended.challenger();
        linger(challenger.version(), () -> {
            applyCurrent();
            repository.version(challenger.version()).ifPresent(v -> repository.moveAside(v, reason));
        });
        counter("rejected", cause).increment();
        if (!quiet) {
            deadLetters.rejected(challenger, ended.model(), cause, reason);
        }
    }

    /** Keeps a replaced version loaded for {@code serving.rollout.unload-after}, then runs what follows (unloading it). */
    private void linger(long version, Runnable then) {
        lingering.add(version);
        unloader.schedule(() -> {
            synchronized (this) {
                lingering.remove(version);
                try {
                    then.run();
                } catch (RuntimeException e) {
                    LOG.warnf("unloading version %d after the switch failed: %s (it stays loaded until the next change)", version,
                            e.getMessage());
                }
            }
        }, config.rollout().unloadAfter().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Gives the server what the rollout state names, plus the versions still lingering after a switch. */
    private void applyCurrent() {
        Optional<RolloutState> state = repository.rolloutState();
        if (state.isEmpty()) {
            if (lingering.isEmpty()) {
                applyVersions(Set.of(), Map.of());
            }
            return;
        }
        Set<Long> versions = new TreeSet<>(lingering);
        versions.add(state.get().stable());
        Map<String, Long> labels = new LinkedHashMap<>();
        labels.put(EndpointValue.STABLE_LABEL, state.get().stable());
        if (state.get().challenger() != null) {
            versions.add(state.get().challenger());
            labels.put(EndpointValue.CANARY_LABEL, state.get().challenger());
        }
        applyVersions(versions, labels);
    }

    private Set<Long> union(long... versions) {
        Set<Long> all = new TreeSet<>(lingering);
        for (long v : versions) {
            all.add(v);
        }
        return all;
    }

    /**
     * Gives the server these versions with these labels, plus the versions still lingering after a switch and those running
     * replays ask. No versions means the server's default (the latest), unless a replay asks one: then the live version (label
     * {@code stable}) and the replay's.
     */
    private void applyVersions(Set<Long> versions, Map<String, Long> labels) {
        Set<Long> all = new TreeSet<>(versions);
        Set<Long> replays = replayVersions;
        Map<String, Long> given = labels;
        if (versions.isEmpty()) {
            Optional<InstalledVersion> current = repository.live();
            if (replays.isEmpty() || current.isEmpty()) {
                serverVersions().apply(Set.of(), Map.of());
                return;
            }
            all.add(current.get().version());
            given = Map.of(EndpointValue.STABLE_LABEL, current.get().version());
        }
        all.addAll(lingering);
        all.addAll(replays);
        serverVersions().apply(all, given);
    }

    /**
     * The replays that run now (README, "Replay"): each installed version one of them asks is served beside the live version and
     * any challenger, without a label, until no running replay asks it any more; then it is unloaded. Labels and the version
     * that answers users stay as they are. Called by the replay follower after each replay record and every
     * {@code serving.replay.check-interval}.
     *
     * @return the replays whose version cannot be served (not installed, or moved aside), with the reason to fail them with
     */
    public synchronized Map<ReplayHolds.Running, String> replays(List<ReplayHolds.Running> running) {
        Map<ReplayHolds.Running, String> refused = new LinkedHashMap<>();
        Set<Long> wanted = new TreeSet<>();
        List<Map<String, Object>> listed = new java.util.ArrayList<>();
        for (ReplayHolds.Running replay : running) {
            Optional<InstalledVersion> version = repository.version(replay.version()).filter(v -> v.modelValueId() != null);
            if (version.isEmpty()) {
                refused.put(replay, cannotReplay(replay));
                continue;
            }
            wanted.add(replay.version());
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("replayId", replay.id());
            entry.put("version", replay.version());
            entry.put("request", replay.request().describe());
            entry.put("lastHeard", replay.lastHeard().toString());
            listed.add(entry);
        }
        runningReplays = List.copyOf(listed);
        replayVersions = Set.copyOf(wanted);
        if (!started || live == null || wanted.equals(appliedReplayVersions)) {
            return refused;
        }
        Set<Long> before = appliedReplayVersions == null ? Set.of() : appliedReplayVersions;
        applyCurrent();
        appliedReplayVersions = Set.copyOf(wanted);
        LOG.infof("replays: versions %s served for running replays (before: %s)", wanted, before);
        if (endpoint != null && live != null) {
            reportServing(live, endpoint, Double.NaN);
        }
        return refused;
    }

    private String cannotReplay(ReplayHolds.Running replay) {
        long asked = replay.version();
        String why = repository.failedVersions().stream().filter(v -> v.version() == asked).findFirst()
                .map(v -> "it was moved aside (" + v.failure() + ")")
                .orElse(repository.version(asked).isPresent() ? "its folder has no " + ModelRepository.MARKER + " marker (not "
                        + "installed by the serve-manager)" : "it was never installed");
        return "version " + asked + " of model " + config.modelName() + " cannot be replayed: " + why + "; versions that can be "
                + "replayed: " + installedNumbers() + " (the versions installed, GET /v1/rollout/" + config.modelName() + ")";
    }

    /** Records a replay that was failed because its version cannot be served (status and the API show it). */
    public void replayRefused(String reason) {
        lastReplayRefusal = reason;
        if (endpoint != null && live != null) {
            reportServing(live, endpoint, Double.NaN);
        }
    }

    private ServerVersions serverVersions() {
        ServerVersions current = serverVersions;
        if (current == null) {
            String serverBase = config.mode() == ServingMode.EMBEDDED ? repository.basePath().toString()
                    : config.serverModelsRoot().map(root -> root.replaceAll("/+$", "") + "/" + config.modelName())
                            .orElse(repository.basePath().toString());
            current = new ServerVersions(Path.of(config.modelsRoot()).resolve(ServerVersions.CONFIG_FILE), config.modelName(),
                    serverBase, client::reloadConfig);
            serverVersions = current;
        }
        return current;
    }

    private static Double accuracy(InstalledVersion version) {
        if (version == null || version.testAccuracy() == null) {
            return null;
        }
        try {
            return Double.valueOf(version.testAccuracy());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private void reportTrial(Trial current) {
        InstalledVersion version = live;
        if (endpoint != null && version != null) {
            reportServing(version, endpoint, Double.NaN);
        }
    }

    @PreDestroy
    void stopUnloader() {
        unloader.shutdownNow();
    }

    private void announce(InstalledVersion version) {
        awaitAvailable(version.version());
        ServedSignature signature = client.signature(config.modelName(), version.version(), config.signatureName());
        double difference = verify(version, signature);
        Trial current = trial;
        ServedEndpoint announced = new ServedEndpoint(backend.grpcTarget(), backend.restUrl(), config.modelName(), version.version(),
                signature.name(), signature.inputName(), signature.outputName(), version.modelValueId(), version.testAccuracy(),
                config.mode().name().toLowerCase(java.util.Locale.ROOT), current == null ? null : current.policy().wireName(),
                current == null ? null : current.challenger().version(), current == null ? null : current.challenger().modelValueId(),
                current == null ? null : current.canaryWeight());
        publisher.publish(announced.toValue(graph.name()), config.publishTimeout());
        status.increment(TASK, "produced");
        live = version;
        endpoint = announced;
        liveVersion.set(version.version());
        reportServing(version, announced, difference);
        LOG.infof("announced endpoint %s: %s, model %s; evaluation samples agree within %.2g", announced.valueId(), announced.describe(),
                version.modelValueId(), difference);
    }

    private void reportServing(InstalledVersion version, ServedEndpoint announced, double difference) {
        Map<String, Object> details = details(version);
        details.put("grpcTarget", announced.grpcTarget());
        details.put("restUrl", announced.restUrl());
        details.put("endpointId", announced.valueId());
        if (!Double.isNaN(difference)) {
            details.put("maxDifference", difference);
        }
        details.put("rollout", rolloutDetails());
        status.report(TASK, TaskState.ACTIVE, "serving " + announced.describe() + " (model " + version.modelValueId() + ")", null,
                details);
    }

    /** The rollout as status and the API show it: policy, versions, the trial's numbers, the gate and the last decision. */
    public Map<String, Object> rolloutDetails() {
        Map<String, Object> rollout = new LinkedHashMap<>();
        Trial current = trial;
        InstalledVersion version = live;
        rollout.put("modelName", config.modelName());
        rollout.put("policy", current == null ? RolloutPolicy.IMMEDIATE.wireName() : current.policy().wireName());
        rollout.put("defaultPolicy", config.rollout().policy().wireName());
        if (version != null) {
            rollout.put("liveVersion", version.version());
            putAccuracy(rollout, "liveTestAccuracy", version);
        }
        if (current != null) {
            rollout.put("challengerVersion", current.challenger().version());
            rollout.put("challengerModelValueId", current.challenger().modelValueId());
            putAccuracy(rollout, "challengerTestAccuracy", current.challenger());
            if (current.canaryWeight() != null) {
                rollout.put("canaryWeight", current.canaryWeight());
            }
            rollout.put("since", current.since().toString());
            rollout.put("shadow", current.stats().snapshot().toMap());
        }
        RolloutGate gate = gate();
        Map<String, Object> gateMap = new LinkedHashMap<>();
        gateMap.put("shadowPredictions", gate.predictions());
        gateMap.put("minAgreement", gate.minAgreement());
        gateMap.put("accuracyTolerance", gate.accuracyTolerance());
        gateMap.put("latencyGate", gate.latencyGate());
        gateMap.put("maxLatencyIncreasePercent", gate.maxLatencyIncreasePercent());
        rollout.put("gate", gateMap);
        RolloutDecision decision = lastDecision;
        if (decision != null) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("version", decision.version());
            d.put("outcome", decision.outcome());
            d.put("reason", decision.reason());
            d.put("at", decision.at().toString());
            rollout.put("lastDecision", d);
        }
        rollout.put("installedVersions", installedNumbers());
        Map<String, Object> replays = new LinkedHashMap<>();
        replays.put("loadedVersions", List.copyOf(new TreeSet<>(replayVersions)));
        replays.put("running", runningReplays);
        if (lastReplayRefusal != null) {
            replays.put("lastRefused", lastReplayRefusal);
        }
        rollout.put("replays", replays);
        return rollout;
    }

    private static void putAccuracy(Map<String, Object> map, String key, InstalledVersion version) {
        if (version.testAccuracy() != null) {
            map.put(key, version.testAccuracy());
        }
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

    /**
     * The details of a status report while a version is live, then the given key-value pairs: the version in service, and the
     * rollout, so that GET /v1/rollout and the UI's panel keep showing it while another model is installed or refused.
     */
    private Map<String, Object> liveDetails(Object... pairs) {
        Map<String, Object> details = new LinkedHashMap<>();
        InstalledVersion current = live;
        if (current != null) {
            details.put("servingVersion", current.version());
            details.put("servingModelValueId", current.modelValueId());
            details.put("rollout", rolloutDetails());
        }
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            details.put((String) pairs[i], pairs[i + 1]);
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
