package dev.tffashion.pipeline.quarkus;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** Settings every tf-fashion service shares, under {@code tf-fashion.*}. */
@ConfigMapping(prefix = "tf-fashion")
public interface PipelineConfig {

    /** The pipeline name: the prefix of every topic ({@code <pipeline>.<task>.<output>}). */
    @WithDefault("tf-fashion")
    String pipeline();

    /** The content store. */
    Store store();

    /** Topic provisioning at start-up. */
    Topics topics();

    /** Task status reporting. */
    Status status();

    /** Topic followers (file-drop's index, predict's endpoint and ledger). */
    Follow follow();

    /** The content store shared by the services. */
    interface Store {
        /** The shared store folder: a local folder, a named volume under compose, an RWX volume on Kubernetes. */
        @WithDefault(".tf-fashion/store")
        String root();
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
    }

    /** How task status is published (StatusReporter). */
    interface Status {
        /** Shortest time between two status records of one task (later events replace a waiting one); 0 sends every event. */
        @WithDefault("200ms")
        @WithName("min-interval")
        Duration minInterval();
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
