package dev.tffashion.servemanager.config;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import dev.tffashion.pipeline.contracts.RolloutPolicy;

/** Settings of the serve-manager, under {@code serving.*} (environment: {@code SERVING_*}). */
@ConfigMapping(prefix = "serving")
public interface ServingConfig {

    /** Who runs the model server: {@code embedded} (in this process), {@code external} (a running TF Serving) or {@code kubernetes}. */
    @WithDefault("embedded")
    ServingMode mode();

    /** The folder holding one sub-folder per model name, each with the numeric version folders TF Serving watches. */
    @WithDefault(".tf-fashion/models")
    String modelsRoot();

    /** The served model's name: the folder under the models root and the name clients ask TF Serving for. */
    @WithDefault("fashion")
    String modelName();

    /** The signature that is checked and announced. */
    @WithDefault("serving_default")
    String signatureName();

    /** TF Serving's gRPC port: the embedded server's (0 picks a free one) and the container/Service port on Kubernetes. */
    @WithDefault("8500")
    int grpcPort();

    /** TF Serving's REST port: the embedded server's (0 picks a free one) and the container/Service port on Kubernetes. */
    @WithDefault("8501")
    int restPort();

    /**
     * The gRPC target ({@code host:port}) this service uses and announces. Required in external mode; on Kubernetes it defaults
     * to the reconciled Service ({@code <name>.<namespace>.svc:<grpc-port>}); ignored in embedded mode.
     */
    Optional<String> grpcTarget();

    /** The REST base URL that is announced ({@code http://host:port}); derived like {@link #grpcTarget()} when absent. */
    Optional<String> restUrl();

    /** How long a new version may take to become AVAILABLE before it is moved aside. */
    @WithDefault("120s")
    Duration availableTimeout();

    /** How often GetModelStatus is asked while waiting for a version. */
    @WithDefault("200ms")
    Duration statusPollInterval();

    /** Timeout of each gRPC call to the model server (GetModelStatus, GetModelMetadata, Predict). */
    @WithDefault("30s")
    Duration callTimeout();

    /** Largest absolute difference allowed between a served probability and the expected one. */
    @WithDefault("1e-4")
    double tolerance();

    /** Refuse a model that carries no evaluation samples (assets.extra/evaluation_samples.json); false only smoke-tests it. */
    @WithDefault("true")
    boolean requireEvaluationSamples();

    /** How long publishing the endpoint value may wait for Kafka's acknowledgement. */
    @WithDefault("30s")
    Duration publishTimeout();

    /** The embedded model server. */
    Embedded embedded();

    /** The TF Serving Deployment and Service reconciled in kubernetes mode. */
    Kubernetes kubernetes();

    /** How the replicas elect the one active serve-manager. */
    Leader leader();

    /**
     * The models root as the model server sees it, when it differs from {@link #modelsRoot()} (external mode: TF Serving in its
     * own container mounts the shared folder elsewhere, e.g. {@code /models}). The model config serve-manager gives the server
     * (rollouts, promotions, rollbacks) names {@code <this>/<model-name>} as the base path.
     */
    Optional<String> serverModelsRoot();

    /** How a new model version goes live, and the promotion gate (env {@code SERVING_ROLLOUT_*}). */
    Rollout rollout();

    /** Replays (env {@code SERVING_REPLAY_*}): the version a running replay asks stays loaded. */
    Replay replay();

    /**
     * Replays (README, "Replay"): while a replay on {@code <pipeline>.replay.request} that asks version N runs (no report yet, or
     * its report is running), version N is in the model config beside the live one and any challenger, without a label; it is
     * unloaded again when the replay is done or failed, or after {@link #holdWithoutProgress()} without a new request or report.
     */
    interface Replay {
        /** How long a replay without progress (no request record, no report) keeps its version loaded. */
        @WithDefault("10m")
        Duration holdWithoutProgress();

        /** How often the replays are looked at again (the hold above running out); at most this late. */
        @WithDefault("30s")
        Duration checkInterval();
    }

    /**
     * Rollouts (README, "Rollouts"): {@code immediate} replaces the live version at once (the default); {@code shadow} serves the
     * new version beside the live one, predict sends each batch to both and publishes the new one's answers on
     * {@code <pipeline>.predict.shadow} only; {@code canary} lets the new version answer a share of the pictures. A recipe's
     * {@code rollout:} overrides the policy. After {@link #shadowPredictions()} predictions the gate promotes or rejects it.
     */
    interface Rollout {
        /** The policy of models whose recipe names none: {@code immediate}, {@code shadow} or {@code canary}. */
        @WithDefault("immediate")
        RolloutPolicy policy();

        /** How many predictions of the challenger the gate waits for before it decides (N). */
        @WithDefault("1000")
        int shadowPredictions();

        /** The agreement with the live version's classes that suffices for promotion (X, 0..1). */
        @WithDefault("0.95")
        double minAgreement();

        /** Or: the challenger's evaluation accuracy is at least the live version's minus this (0..1). */
        @WithDefault("0.01")
        double accuracyTolerance();

        /** Whether the challenger's p99 Predict latency must be within {@link #maxLatencyIncreasePercent()} of the live one's. */
        @WithDefault("true")
        boolean latencyGate();

        /** How much slower (p99, percent) the challenger may be (Y). */
        @WithDefault("50")
        double maxLatencyIncreasePercent();

        /** The share of pictures (by a hash of the image id) a canary answers, 0..1. */
        @WithDefault("0.1")
        double canaryWeight();

        /**
         * How long the version a switch replaced (promotion, rollback, rejection) stays loaded after the switch is announced, so
         * that predictions already sent to it still get their answer.
         */
        @WithDefault("10s")
        Duration unloadAfter();
    }

    /**
     * Leader election among serve-manager replicas (env {@code SERVING_LEADER_*}): only the leader installs versions, cleans
     * unfinished ones and announces the endpoint; the others report {@code standby}.
     */
    interface Leader {
        /** {@code auto} (a Lease when running in a Kubernetes pod, Kafka otherwise), {@code kafka} or {@code lease}. */
        @WithDefault("auto")
        Election election();

        /** The kinds of election. */
        enum Election {
            /** A Lease inside a Kubernetes pod (KUBERNETES_SERVICE_HOST set), Kafka elsewhere. */
            AUTO,
            /** A consumer group on the one-partition topic {@link #topic()}. */
            KAFKA,
            /** A Kubernetes Lease named {@link #leaseName()}. */
            LEASE
        }

        /** Kafka election: the lock topic (one partition, no records); default {@code <pipeline>.serve-manager.leader}. */
        Optional<String> topic();

        /** Kafka election: the replicas' consumer group; default {@code <pipeline>-serve-manager-leader}. */
        Optional<String> group();

        /**
         * Kafka election: how long a silent (killed) leader keeps the leadership before a standby gets it. At least the broker's
         * {@code group.min.session.timeout.ms} (6 s by default); a standby takes over about one second after it.
         */
        @WithDefault("6s")
        Duration sessionTimeout();

        /** Lease election: the Lease's name, in the namespace of the pod ({@code serving.kubernetes.namespace} when set). */
        @WithDefault("serve-manager-leader")
        String leaseName();

        /** Lease election: how long a Lease that is not renewed keeps a killed leader in place. */
        @WithDefault("8s")
        Duration leaseDuration();

        /** Lease election: how long the leader keeps trying to renew before it gives the leadership up. */
        @WithDefault("6s")
        Duration renewDeadline();

        /** Lease election: how often the Lease is renewed, or tried by a standby. */
        @WithDefault("1s")
        Duration retryPeriod();

        /**
         * How long one model may take to install (the models consumer's {@code max.poll.interval.ms}); a longer one is handed to
         * the next poll again, where the marker of the installed version makes it a re-announcement.
         */
        @WithDefault("30m")
        Duration maxInstallTime();
    }

    /** Settings of the embedded model server (libs/model-server). */
    interface Embedded {
        /** The address its ports bind to; 127.0.0.1 keeps it on this machine, 0.0.0.0 opens it to the network. */
        @WithDefault("127.0.0.1")
        String host();

        /** The host name announced to clients; defaults to the bind host ({@code localhost} when that is 0.0.0.0). */
        Optional<String> advertisedHost();

        /** How often the model server scans the base path on its own (it is also told at once after each install). */
        @WithDefault("1s")
        Duration pollInterval();

        /**
         * TF Serving's {@code --rest_api_enable_cors_support}: the REST API answers pages from other origins
         * ({@code Access-Control-Allow-Origin: *}, CORS preflights answered); off by default, as in TF Serving.
         */
        @WithDefault("false")
        boolean restCors();
    }

    /** Settings of kubernetes mode. */
    interface Kubernetes {
        /** The namespace of the TF Serving Deployment and Service; defaults to the client's (the pod's own) namespace. */
        Optional<String> namespace();

        /** Name of the Deployment and the Service. */
        @WithDefault("tf-serving")
        String name();

        /** The TF Serving image, with its version tag. */
        @WithDefault("tensorflow/serving:2.18.0")
        String image();

        /** Image pull policy of the TF Serving container. */
        @WithDefault("IfNotPresent")
        String imagePullPolicy();

        /** The PersistentVolumeClaim holding the models (shared with this service, which writes them at the models root). */
        @WithDefault("tf-fashion-models")
        String modelsClaim();

        /** Sub-path of the claim that holds the models root (empty: the claim's root). */
        Optional<String> modelsSubPath();

        /** Where TF Serving sees the models root inside its container. */
        @WithDefault("/models")
        String modelsMountPath();

        /** Replicas created with the Deployment; later runs leave the count alone (an autoscaler or a person may change it). */
        @WithDefault("1")
        int replicas();

        /** The non-root user id TF Serving runs as. */
        @WithDefault("1000")
        long runAsUser();

        /** How often TF Serving scans the base path for new versions, in seconds. */
        @WithDefault("1")
        int fileSystemPollSeconds();

        /** CPU request of the TF Serving container. */
        @WithDefault("250m")
        String cpuRequest();

        /** Memory request of the TF Serving container. */
        @WithDefault("512Mi")
        String memoryRequest();

        /** CPU limit of the TF Serving container (empty: none). */
        Optional<String> cpuLimit();

        /** Memory limit of the TF Serving container. */
        @WithDefault("2Gi")
        String memoryLimit();

        /**
         * Reconcile the Deployment and Service at start-up, before each install, and whenever they change or every
         * {@link #resync()} (an informer watches them: a hand-edited or deleted object is put back).
         */
        @WithDefault("true")
        boolean reconcile();

        /** How often the informer re-checks the Deployment and Service even when no change was seen. */
        @WithDefault("5m")
        Duration resync();

        /** How many times a write refused with 409 Conflict (someone else changed the object) is retried on a fresh read. */
        @WithDefault("5")
        int conflictRetries();

        /**
         * How long one wait for a running TF Serving pod lasts before a model that waits for it is reported as still pending;
         * the wait then starts again (a slow image pull keeps the model pending, it is never refused for it).
         */
        @WithDefault("10m")
        Duration rolloutTimeout();

        /**
         * The serve-manager's own Deployment (env {@code SERVING_KUBERNETES_OWNER_DEPLOYMENT}), in the same namespace: owner of
         * the TF Serving Deployment and Service, so that uninstalling tf-fashion removes them. Unset: they have no owner.
         */
        Optional<String> ownerDeployment();
    }
}
