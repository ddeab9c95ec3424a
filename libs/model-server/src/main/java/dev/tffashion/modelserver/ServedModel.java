package dev.tffashion.modelserver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.tensorflow.proto.error.Code;
import tensorflow.serving.Model.ModelSpec;

/**
 * One model name over its base path, TF Serving's way: each poll lists the numeric version folders (anything else,
 * such as {@code .incoming-*}, is ignored), loads the versions the policy aspires to, and only once one of them is
 * AVAILABLE unloads the versions no longer aspired. A failed load is reported as END with its error and is not
 * retried until its folder changes; the versions already serving keep serving.
 */
final class ServedModel {

    private static final Logger LOG = Logger.getLogger(ServedModel.class.getName());
    private static final Pattern VERSION_FOLDER = Pattern.compile("\\d{1,18}");

    private final String name;
    private final Path basePath;
    private volatile VersionPolicy policy;
    private final ServingContext context;
    private volatile Map<String, Long> labels;
    private final ConcurrentSkipListMap<Long, LoadedVersion> available = new ConcurrentSkipListMap<>();
    /** Guarded by itself. */
    private final Map<Long, VersionStatus> statuses = new TreeMap<>();
    /** Poller thread only: the folder stamp of each version whose load failed. */
    private final Map<Long, Object> failedStamps = new HashMap<>();
    private boolean warnedMissingBasePath;
    private volatile boolean closed;

    ServedModel(String name, Path basePath, VersionPolicy policy, Map<String, Long> labels, ServingContext context) {
        this.name = name;
        this.context = context;
        this.basePath = basePath.toAbsolutePath().normalize();
        this.policy = policy;
        this.labels = Map.copyOf(labels);
    }

    String name() {
        return name;
    }

    Path basePath() {
        return basePath;
    }

    VersionPolicy policy() {
        return policy;
    }

    /** A reloaded config changed the policy: the next poll loads and unloads accordingly, keeping the statuses. */
    void policy(VersionPolicy policy) {
        this.policy = policy;
    }

    Map<String, Long> labels() {
        return labels;
    }

    void labels(Map<String, Long> labels) {
        this.labels = Map.copyOf(labels);
    }

    /** Scans the base path and loads or unloads versions. Called on the poller thread only. */
    void poll() {
        if (closed) {
            return;
        }
        NavigableMap<Long, Path> present = scan();
        if (present == null) {
            return;
        }
        failedStamps.keySet().retainAll(present.keySet());
        NavigableSet<Long> aspired = policy.aspired(present.navigableKeySet());
        for (Long version : aspired) {
            if (available.containsKey(version)) {
                continue;
            }
            Path dir = present.get(version);
            Object stamp = stamp(dir);
            if (failedStamps.containsKey(version) && Objects.equals(failedStamps.get(version), stamp)) {
                continue;
            }
            load(version, dir, stamp);
        }
        boolean serving = aspired.stream().anyMatch(available::containsKey);
        if (serving || aspired.isEmpty()) {
            for (Long version : new ArrayList<>(available.keySet())) {
                if (!aspired.contains(version)) {
                    unload(version);
                }
            }
        }
    }

    private NavigableMap<Long, Path> scan() {
        NavigableMap<Long, Path> versions = new TreeMap<>();
        if (!Files.isDirectory(basePath)) {
            if (!warnedMissingBasePath) {
                LOG.warning(() -> "No versions of model " + name + " found: base path " + basePath + " does not exist (yet)");
                warnedMissingBasePath = true;
            }
            return versions;
        }
        warnedMissingBasePath = false;
        try (Stream<Path> entries = Files.list(basePath)) {
            entries.forEach(entry -> {
                String folder = entry.getFileName().toString();
                if (VERSION_FOLDER.matcher(folder).matches() && Files.isDirectory(entry)) {
                    versions.merge(Long.parseLong(folder), entry, (a, b) -> a.getFileName().toString().length()
                        <= b.getFileName().toString().length() ? a : b);
                }
            });
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "Cannot list base path " + basePath + " of model " + name + "; keeping the current versions", e);
            return null;
        }
        return versions;
    }

    private static Object stamp(Path dir) {
        try {
            BasicFileAttributes folder = Files.readAttributes(dir, BasicFileAttributes.class);
            Path pb = dir.resolve("saved_model.pb");
            Object pbTime = Files.exists(pb) ? Files.getLastModifiedTime(pb) : "";
            return List.of(String.valueOf(folder.fileKey()), folder.lastModifiedTime(), pbTime);
        } catch (IOException e) {
            return List.of();
        }
    }

    private void load(long version, Path dir, Object stamp) {
        setStatus(VersionStatus.ok(version, VersionState.LOADING));
        LOG.info(() -> "Loading model " + name + " version " + version + " from " + dir);
        long start = System.nanoTime();
        try {
            LoadedVersion loaded = LoadedVersion.load(name, version, dir, this::closed, context);
            if (context.warmupIterations() > 0) {
                try {
                    Warmup.run(loaded, context.metrics(), context.warmupIterations());
                } catch (RuntimeException e) {
                    loaded.retire();
                    throw e;
                }
            }
            if (closed) {
                loaded.retire();
                return;
            }
            available.put(version, loaded);
            failedStamps.remove(version);
            setStatus(VersionStatus.ok(version, VersionState.AVAILABLE));
            LOG.info(() -> String.format("Model %s version %d is AVAILABLE (loaded in %d ms; signatures %s)", name, version,
                (System.nanoTime() - start) / 1_000_000, loaded.signatures().keySet()));
        } catch (ServingException e) {
            failed(version, stamp, e.code(), e.getMessage(), e);
        } catch (RuntimeException | LinkageError e) {
            failed(version, stamp, Code.INTERNAL, "Loading " + dir + " failed: " + e, e);
        }
    }

    private void failed(long version, Object stamp, Code code, String message, Throwable e) {
        failedStamps.put(version, stamp);
        setStatus(new VersionStatus(version, VersionState.END, code, message));
        LOG.log(Level.WARNING, "Model " + name + " version " + version + " failed to load (" + code + "): " + message
            + (available.isEmpty() ? "" : "; still serving version(s) " + available.keySet()), e instanceof ServingException ? null : e);
    }

    private void unload(long version) {
        LoadedVersion loaded = available.remove(version);
        if (loaded != null) {
            setStatus(VersionStatus.ok(version, VersionState.UNLOADING));
            LOG.info(() -> "Unloading model " + name + " version " + version + " once its in-flight requests end");
            loaded.retire();
        }
    }

    private void closed(LoadedVersion loaded) {
        synchronized (statuses) {
            VersionStatus current = statuses.get(loaded.version());
            if (current != null && current.state() == VersionState.UNLOADING) {
                statuses.put(loaded.version(), VersionStatus.ok(loaded.version(), VersionState.END));
            }
        }
        LOG.info(() -> "Unloaded model " + name + " version " + loaded.version());
    }

    private void setStatus(VersionStatus status) {
        synchronized (statuses) {
            statuses.put(status.version(), status);
        }
    }

    /**
     * Takes a reference on the version a request names (the highest available when it names none).
     * The caller must {@link LoadedVersion#release()} it.
     */
    LoadedVersion acquire(ModelSpec spec) {
        while (true) {
            LoadedVersion loaded = switch (spec.getVersionChoiceCase()) {
                case VERSION -> {
                    long version = spec.getVersion().getValue();
                    LoadedVersion v = available.get(version);
                    if (v == null) {
                        throw ServingException.notFound("Servable not found for request: Specific(" + name + ", " + version + ")"
                            + explainVersion(version));
                    }
                    yield v;
                }
                case VERSION_LABEL -> {
                    long version = labelled(spec.getVersionLabel());
                    LoadedVersion v = available.get(version);
                    if (v == null) {
                        throw ServingException.notFound("Servable not found for request: Specific(" + name + ", " + version
                            + ") (label " + spec.getVersionLabel() + ")" + explainVersion(version));
                    }
                    yield v;
                }
                default -> {
                    Map.Entry<Long, LoadedVersion> latest = available.lastEntry();
                    if (latest == null) {
                        throw ServingException.notFound("Servable not found for request: Latest(" + name + ")" + explainLatest());
                    }
                    yield latest.getValue();
                }
            };
            if (loaded.tryAcquire()) {
                return loaded;
            }
        }
    }

    private long labelled(String label) {
        Long version = labels.get(label);
        if (version == null) {
            throw ServingException.invalidArgument("Unrecognized servable version label: " + label + " (model " + name
                + " has labels " + labels.keySet() + ")");
        }
        return version;
    }

    private String explainVersion(long version) {
        VersionStatus status = statusOf(version);
        if (status == null) {
            return ": model " + name + " has no version " + version + " under " + basePath;
        }
        return ": version " + version + " is " + status.state() + (status.failed() ? " (" + status.errorMessage() + ")" : "");
    }

    private String explainLatest() {
        List<VersionStatus> all = statuses();
        if (all.isEmpty()) {
            return ": no version folders under " + basePath;
        }
        VersionStatus last = all.get(all.size() - 1);
        return ": version " + last.version() + " is " + last.state() + (last.failed() ? " (" + last.errorMessage() + ")" : "");
    }

    private VersionStatus statusOf(long version) {
        synchronized (statuses) {
            return statuses.get(version);
        }
    }

    /** All version statuses this model has had, oldest version first. */
    List<VersionStatus> statuses() {
        synchronized (statuses) {
            return List.copyOf(statuses.values());
        }
    }

    /** The statuses a GetModelStatus request asks for. */
    List<VersionStatus> statuses(ModelSpec spec) {
        switch (spec.getVersionChoiceCase()) {
            case VERSION, VERSION_LABEL -> {
                long version = spec.getVersionChoiceCase() == ModelSpec.VersionChoiceCase.VERSION
                    ? spec.getVersion().getValue() : labelled(spec.getVersionLabel());
                VersionStatus status = statusOf(version);
                if (status == null) {
                    throw ServingException.notFound("Could not find version " + version + " of model " + name);
                }
                return List.of(status);
            }
            default -> {
                List<VersionStatus> all = statuses();
                if (all.isEmpty()) {
                    throw ServingException.notFound("Could not find any versions of model " + name + " (base path " + basePath + ")");
                }
                return all;
            }
        }
    }

    /** Unloads every version (each closes after its in-flight requests). */
    void close() {
        closed = true;
        for (Long version : new ArrayList<>(available.keySet())) {
            unload(version);
        }
    }
}
