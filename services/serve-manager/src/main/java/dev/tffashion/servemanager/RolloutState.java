package dev.tffashion.servemanager;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Which versions serve while serve-manager manages the model server's version policy (a rollout, a promotion or a rollback made it
 * leave TF Serving's default, the latest version): the live version ({@code stable} label) and the challenger on trial
 * ({@code canary} label), if any. Kept beside the model base path ({@link ModelRepository#rolloutFile()}), so a restarted or new
 * leader serves and announces the same versions.
 *
 * @param stable the live version
 * @param challenger the version on trial, or null
 * @param policy the trial's policy, {@code shadow} or {@code canary}, or null
 * @param canaryWeight the canary's share of pictures, or null
 * @param since when the trial (or the last switch) began
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RolloutState(long stable, Long challenger, String policy, Double canaryWeight, Instant since) {

    /** Only a live version, no trial. */
    public static RolloutState live(long stable) {
        return new RolloutState(stable, null, null, null, Instant.now());
    }
}
