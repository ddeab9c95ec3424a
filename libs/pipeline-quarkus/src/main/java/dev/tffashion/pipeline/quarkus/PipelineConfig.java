package dev.tffashion.pipeline.quarkus;

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
}
