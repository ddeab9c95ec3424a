package dev.tffashion.modelserver;

import java.util.Collections;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import tensorflow.serving.FileSystemStoragePathSource.FileSystemStoragePathSourceConfig.ServableVersionPolicy;

/** Which of the version folders present should be served: TF Serving's latest (default: 1), all, or specific policy. */
final class VersionPolicy {

    /** TF Serving's default: serve the highest version only. */
    static final VersionPolicy LATEST = new VersionPolicy(1, null);

    /** How many of the highest versions to serve; 0 with {@link #specific} null means all. */
    private final int latest;
    /** The versions to serve, or null. */
    private final Set<Long> specific;

    private VersionPolicy(int latest, Set<Long> specific) {
        this.latest = latest;
        this.specific = specific;
    }

    static VersionPolicy of(ServableVersionPolicy proto) {
        return switch (proto.getPolicyChoiceCase()) {
            case LATEST -> new VersionPolicy(Math.max(1, proto.getLatest().getNumVersions()), null);
            case ALL -> new VersionPolicy(0, null);
            case SPECIFIC -> {
                if (proto.getSpecific().getVersionsCount() == 0) {
                    throw ServingException.invalidArgument("model_version_policy specific lists no versions: name at least one");
                }
                yield new VersionPolicy(0, Set.copyOf(proto.getSpecific().getVersionsList()));
            }
            default -> LATEST;
        };
    }

    /** The versions to serve among those present, highest first. */
    NavigableSet<Long> aspired(NavigableSet<Long> present) {
        NavigableSet<Long> aspired = new TreeSet<>(Collections.reverseOrder());
        for (Long version : present.descendingSet()) {
            if (specific != null) {
                if (specific.contains(version)) {
                    aspired.add(version);
                }
            } else if (latest == 0 || aspired.size() < latest) {
                aspired.add(version);
            }
        }
        return aspired;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VersionPolicy other && latest == other.latest && Objects.equals(specific, other.specific);
    }

    @Override
    public int hashCode() {
        return 31 * latest + (specific == null ? 0 : specific.hashCode());
    }

    @Override
    public String toString() {
        return specific != null ? "specific " + new TreeSet<>(specific) : latest == 0 ? "all" : "latest " + latest;
    }
}
