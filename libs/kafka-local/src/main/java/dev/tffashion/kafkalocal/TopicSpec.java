package dev.tffashion.kafkalocal;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A topic that should exist: name, partition count, replication factor and topic configuration
 * (e.g. {@code cleanup.policy=compact}).
 *
 * @param name Kafka topic name (letters, digits, '.', '_', '-'; at most 249 characters)
 * @param partitions partition count, at least 1
 * @param replication replication factor, at least 1 (1 on a single-node broker)
 * @param config topic configuration overrides; empty for the broker's defaults
 */
public record TopicSpec(String name, int partitions, short replication, Map<String, String> config) {

    /** Topic configuration key of the cleanup policy. */
    public static final String CLEANUP_POLICY = "cleanup.policy";

    private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    /** Checks the values and copies the configuration. */
    public TopicSpec {
        if (name == null || !LEGAL_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("Illegal Kafka topic name '" + name
                + "': use 1-249 letters, digits, '.', '_' or '-'");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("Topic " + name + " needs at least 1 partition, not " + partitions);
        }
        if (replication < 1) {
            throw new IllegalArgumentException("Topic " + name + " needs a replication factor of at least 1, not " + replication);
        }
        config = config == null ? Map.of() : Map.copyOf(config);
    }

    /** A topic with the broker's default configuration and replication factor 1. */
    public static TopicSpec of(String name, int partitions) {
        return new TopicSpec(name, partitions, (short) 1, Map.of());
    }

    /** A compacted topic ({@code cleanup.policy=compact}, latest value per key) with replication factor 1. */
    public static TopicSpec compacted(String name, int partitions) {
        return new TopicSpec(name, partitions, (short) 1, Map.of(CLEANUP_POLICY, "compact"));
    }

    /** Whether the cleanup policy includes compaction. */
    public boolean isCompacted() {
        return isCompacted(config.get(CLEANUP_POLICY));
    }

    static boolean isCompacted(String cleanupPolicy) {
        return cleanupPolicy != null && cleanupPolicy.toLowerCase(Locale.ROOT).contains("compact");
    }
}
