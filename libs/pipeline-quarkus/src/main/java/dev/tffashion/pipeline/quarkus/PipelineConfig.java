package dev.tffashion.pipeline.quarkus;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** Settings every tf-fashion service shares, under {@code tf-fashion.*}. */
@ConfigMapping(prefix = "tf-fashion")
public interface PipelineConfig {

    /** The pipeline name: the prefix of every topic ({@code <pipeline>.<task>.<output>}). */
    @WithDefault("tf-fashion")
    String pipeline();

    /**
     * This replica's name, unique among the replicas of a service ({@code TF_FASHION_INSTANCE}; bin/tf-fashion up --replicas and
     * tests/e2e set it per replica). On Kubernetes it defaults to the pod's name ({@code HOSTNAME}). It names the replica's Kafka
     * transactional id {@code <pipeline>.<task>.<instance>}: a replica restarted under the same name fences its predecessor's open
     * transaction (README, "Exactly once").
     */
    @WithDefault("${HOSTNAME:local}")
    String instance();

    /** The content store. */
    Store store();

    /** Topic provisioning at start-up. */
    Topics topics();

    /** Task status reporting. */
    Status status();

    /** Topic followers (file-drop's index, predict's endpoint). */
    Follow follow();

    /** The task runtime (TaskRuntime). */
    Task task();

    /** The content store shared by the services (docs/content-store.md). */
    interface Store {
        /** Where blobs live: {@code folder} (a folder shared by every service) or {@code s3} (a bucket, tf-fashion.store.s3.*). */
        @WithDefault("folder")
        Kind kind();

        /** The shared store folder (kind folder): a local folder, a named volume under compose, an RWX volume on Kubernetes. */
        @WithDefault(".tf-fashion/store")
        String root();

        /** The bucket (kind s3). */
        S3 s3();

        /** The content store backends. */
        enum Kind {
            /** A folder every service mounts (FileContentStore). */
            FOLDER,
            /** An S3-compatible bucket (S3ContentStore, libs/content-store-s3). */
            S3
        }

        /** An S3-compatible bucket: AWS S3, MinIO, Ceph RGW (S3Settings). */
        interface S3 {
            /** The bucket every service shares (required with kind s3). */
            Optional<String> bucket();

            /** A key prefix inside the bucket, for example {@code tf-fashion/}; empty: the bucket's root. */
            Optional<String> prefix();

            /** The S3 API URL of MinIO or another S3-compatible server, for example {@code http://minio:9000}; empty: AWS S3. */
            Optional<URI> endpoint();

            /** The region requests are signed for ({@code us-east-1} suits MinIO). */
            @WithDefault("us-east-1")
            String region();

            /** Path-style URLs ({@code http://host/bucket/key}), as MinIO and most self-hosted servers need. */
            @WithName("path-style")
            @WithDefault("false")
            boolean pathStyle();

            /** With secret-access-key: static credentials. Both empty: the AWS default chain (AWS_ACCESS_KEY_ID, IRSA, ...). */
            @WithName("access-key-id")
            Optional<String> accessKeyId();

            /** The secret of access-key-id; from a Secret or the environment, never a committed file. */
            @WithName("secret-access-key")
            Optional<String> secretAccessKey();

            /** Create the bucket at start-up when it is missing (a local MinIO); off: a missing bucket stops the service. */
            @WithName("create-bucket")
            @WithDefault("false")
            boolean createBucket();

            /** A put of bytes already stored renews the object's age (for a lifecycle rule) once it is older than this. */
            @WithName("refresh-after")
            @WithDefault("1d")
            Duration refreshAfter();

            /** Where a blob is spooled while its hash is computed, before the upload; empty: java.io.tmpdir. */
            @WithName("spool-dir")
            Optional<String> spoolDir();
        }
    }

    /** How topics are created when missing. */
    interface Topics {
        /** Create missing pipeline topics at start-up (off where an operator such as Strimzi owns them). */
        @WithDefault("true")
        boolean provision();

        /** Partitions of each data topic (compacted topics have one). */
        @WithDefault("3")
        int partitions();

        /** Replication factor of created topics (1 on one broker; 3 on a production cluster). */
        @WithDefault("1")
        @WithName("replication-factor")
        short replicationFactor();

        /**
         * How long the tensor topic ({@code <pipeline>.imageConvert.tensor}) keeps tensors, e.g. {@code 30d}: how far back a replay
         * (issue 16) reaches. Set at creation and on the existing topic at every start; unset, the broker's default
         * ({@code log.retention.hours}, 7 days unless changed).
         */
        @WithName("tensor-retention")
        Optional<Duration> tensorRetention();
    }

    /** The task runtime's delivery settings and its fence handling (TaskRuntime). */
    interface Task {
        /** How long one try waits for Kafka to acknowledge a batch's values or dead letters. */
        @WithName("publish-timeout")
        @WithDefault("30s")
        Duration publishTimeout();

        /** The waits between the tries of a send Kafka did not acknowledge. */
        Backoff backoff();

        /**
         * Whether the service exits (status 75, "try again") once a transactional runner's producer is fenced, so that its
         * supervisor (compose's restart policy, Kubernetes, {@code bin/tf-fashion up}) starts it with a fresh producer. Off only
         * in tests that watch a fenced runner.
         */
        @WithName("exit-when-fenced")
        @WithDefault("true")
        boolean exitWhenFenced();

        /** Doubling waits. */
        interface Backoff {
            /** The first wait after a send Kafka did not acknowledge; doubled on each try. */
            @WithDefault("500ms")
            Duration initial();

            /** The longest wait between two tries of a send. */
            @WithDefault("10s")
            Duration max();
        }
    }

    /** How task status is published (StatusReporter). */
    interface Status {
        /** Shortest time between two status records of one task (later events replace a waiting one); 0 sends every event. */
        @WithDefault("200ms")
        @WithName("min-interval")
        Duration minInterval();

        /**
         * How often each task's latest event is published again with a new {@code heartbeatAt}, so readers can tell a live
         * replica from one that was killed (file-drop counts a replica as stale after about three heartbeats); 0 turns it off.
         */
        @WithDefault("5s")
        Duration heartbeat();
    }

    /** This replica's name: {@code tf-fashion.instance} (default {@code HOSTNAME}, else {@code local}); blank: the host's name. */
    default String instanceName() {
        return instance().isBlank() ? hostName() : instance().strip();
    }

    /** The host name (the pod's name on Kubernetes), or {@code localhost} when it cannot be found. */
    static String hostName() {
        String fromEnv = System.getenv("HOSTNAME");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.strip();
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    /** How topic followers recover (dev.tffashion.pipeline.quarkus.follow.TopicFollower). */
    interface Follow {
        /** Pause before a new consumer after a Kafka error (doubled on each failure), and between looks for a missing topic. */
        @WithDefault("1s")
        @WithName("min-backoff")
        Duration minBackoff();

        /** Longest pause between two consumers after repeated Kafka errors. */
        @WithDefault("30s")
        @WithName("max-backoff")
        Duration maxBackoff();

        /** How often the partitions of followed topics are looked up again, to read partitions added later. */
        @WithDefault("30s")
        @WithName("metadata-refresh")
        Duration metadataRefresh();
    }
}
