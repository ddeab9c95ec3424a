package dev.tffashion.pipeline.contracts;

import java.util.Arrays;
import java.util.Locale;

/**
 * How a new model version goes live: {@code immediate} (it replaces the live version for every picture once its evaluation samples
 * agree, the behaviour before rollouts existed), {@code shadow} (it answers every picture beside the live version, on
 * {@code <pipeline>.predict.shadow} only, until the promotion gate decides) or {@code canary} (it answers a fixed share of the
 * pictures, chosen by a hash of the image id, until the gate decides). Set in serve-manager's configuration
 * ({@code serving.rollout.policy}) and per recipe ({@code rollout:}, carried as the model value's annotation {@value ModelValue#ROLLOUT}).
 */
public enum RolloutPolicy {
    IMMEDIATE,
    SHADOW,
    CANARY;

    /** The wire and configuration form: {@code immediate}, {@code shadow}, {@code canary}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Reads a policy by its name, in any case.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static RolloutPolicy parse(String text) {
        if (text != null) {
            String wanted = text.trim().toUpperCase(Locale.ROOT);
            for (RolloutPolicy policy : values()) {
                if (policy.name().equals(wanted)) {
                    return policy;
                }
            }
        }
        throw new IllegalArgumentException("unknown rollout policy '" + text + "'; use one of "
            + Arrays.stream(values()).map(RolloutPolicy::wireName).toList());
    }

    /**
     * The arm of a picture under a canary of the given weight: true when the challenger answers it. The same image id always gets
     * the same arm (a hash of the id, in 10000 buckets); weight 0 sends none, 1 sends all.
     */
    public static boolean canaryArm(String imageId, double weight) {
        if (weight <= 0) {
            return false;
        }
        if (weight >= 1) {
            return true;
        }
        int bucket = Math.floorMod(murmurMix(imageId.hashCode()), 10_000);
        return bucket < Math.round(weight * 10_000);
    }

    /** Spreads String.hashCode's bits (ids that differ in their last characters would otherwise land in neighbouring buckets). */
    private static int murmurMix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
