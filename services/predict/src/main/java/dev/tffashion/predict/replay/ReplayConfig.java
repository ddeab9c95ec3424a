package dev.tffashion.predict.replay;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of predict's replay job (issue 16, README "Replay"), under {@code predict.replay.*}. */
@ConfigMapping(prefix = "predict.replay")
public interface ReplayConfig {

    /** Whether this replica runs replay requests (every replica may: a replay's transactional id fences a second runner). */
    @WithDefault("true")
    boolean enabled();

    /**
     * Most tensor records read per step; each step's predictions and the report with its checkpoint are one Kafka transaction, so
     * a crash loses at most one step's work, never counts it twice.
     */
    @WithDefault("500")
    int stepRecords();

    /** How long a read of Kafka waits for records. */
    @WithDefault("1s")
    Duration pollTimeout();

    /** How long to wait for a served model (an endpoint) before the replay reports waiting again. */
    @WithDefault("5s")
    Duration waitForEndpoint();

    /**
     * How long a replay waits for the version it asks to be loaded on the model server before it fails. serve-manager loads an
     * installed version while a replay needs it (README "Replay"); until then Predict answers that the version is not found.
     */
    @WithDefault("2m")
    Duration awaitVersion();

    /** While a replay waits for its version: how often it tries again, and how often its report says it still waits. */
    @WithDefault("5s")
    Duration awaitVersionHeartbeat();
}
