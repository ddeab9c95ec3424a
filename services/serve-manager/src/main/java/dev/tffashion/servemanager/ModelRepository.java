package dev.tffashion.servemanager;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.store.Contents;

/**
 * The served model's base path, as TF Serving watches it: numeric version folders {@code <base>/<n>/saved_model.pb}. A model is
 * unpacked into {@code .incoming-<n>} and renamed to {@code <n>} in one atomic step, so a server never sees half a version and a
 * live version is never rewritten; a refused version is renamed to {@code .failed-<n>}. Version numbers only grow: the next one is
 * above every numeric, incoming and failed folder, and it is claimed atomically ({@link #claimVersion()}: creating its
 * {@code .incoming-<n>} folder succeeds for one caller only), so two serve-managers on one folder never get the same number.
 * Each version carries a marker file naming the model value it came from, so a
 * restarted service knows what it serves and a replayed value is not installed twice.
 */
public final class ModelRepository {

    /** The marker file in each version folder (TF Serving ignores files it does not know). */
    public static final String MARKER = "tf-fashion-model.json";
    /** Prefix of a version being unpacked. */
    public static final String INCOMING = ".incoming-";
    /** Prefix of a version moved aside. */
    public static final String FAILED = ".failed-";

    private static final Logger LOG = Logger.getLogger(ModelRepository.class);
    private static final Pattern VERSION = Pattern.compile("(\\.incoming-|\\.failed-)?(\\d{1,18})");

    private final Path basePath;

    public ModelRepository(Path basePath) {
        this.basePath = basePath.toAbsolutePath().normalize();
    }

    /** The folder of numeric version folders (TF Serving's model base path). */
    public Path basePath() {
        return basePath;
    }

    /**
     * Creates the base path and removes what a crash left half-unpacked ({@code .incoming-<n>}, never seen by a server). Only the
     * leader calls it: a standby that cleaned up would delete the version the leader is unpacking.
     */
    public void prepare() {
        createBasePath();
        for (Path incoming : list(INCOMING)) {
            LOG.infof("removing %s, left half-unpacked by an earlier run", incoming);
            deleteTree(incoming);
        }
    }

    private void createBasePath() {
        try {
            Files.createDirectories(basePath);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the model base path " + basePath + ": " + e.getMessage()
                    + " (check serving.models-root and its permissions)", e);
        }
    }

    /**
     * Claims the next version number: creates {@code .incoming-<n>} for the next free {@code n}. Creating a folder is atomic, so of
     * two callers that computed the same {@code n} one gets {@link FileAlreadyExistsException} and tries the number above; a claim
     * whose number was installed or moved aside meanwhile (its {@code <n>} or {@code .failed-<n>} exists) is given back and retried.
     *
     * @return the claimed number; its incoming folder exists and belongs to the caller
     */
    public long claimVersion() {
        createBasePath();
        for (int attempt = 0; attempt < 1000; attempt++) {
            long version = nextVersion();
            Path incoming = basePath.resolve(INCOMING + version);
            try {
                Files.createDirectory(incoming);
            } catch (FileAlreadyExistsException e) {
                continue;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot claim version " + version + " in " + basePath + ": " + e.getMessage()
                        + " (check serving.models-root and its permissions)", e);
            }
            if (Files.exists(basePath.resolve(Long.toString(version))) || Files.exists(basePath.resolve(FAILED + version))) {
                deleteTree(incoming);
                continue;
            }
            return version;
        }
        throw new IllegalStateException("could not claim a version number in " + basePath + " after 1000 attempts: another process "
                + "keeps taking them");
    }

    /** Gives a claimed number back when nothing was installed under it (its incoming folder is removed; the number is not reused). */
    public void release(long version) {
        deleteTree(basePath.resolve(INCOMING + version));
    }

    /** The next version number: one above every version, incoming and failed folder. */
    public long nextVersion() {
        long max = 0;
        for (Path entry : entries()) {
            Matcher m = VERSION.matcher(entry.getFileName().toString());
            if (m.matches()) {
                max = Math.max(max, Long.parseLong(m.group(2)));
            }
        }
        return max + 1;
    }

    /** The numeric version folders, oldest first. */
    public List<InstalledVersion> versions() {
        return list("").stream().map(this::read).sorted(Comparator.comparingLong(InstalledVersion::version)).toList();
    }

    /** The versions moved aside, oldest first. */
    public List<InstalledVersion> failedVersions() {
        return list(FAILED).stream().map(this::read).sorted(Comparator.comparingLong(InstalledVersion::version)).toList();
    }

    /**
     * The live version: the one the rollout state names ({@link #rolloutState()}) while its folder exists, else the highest numeric
     * version (the one TF Serving serves by default).
     */
    public Optional<InstalledVersion> live() {
        List<InstalledVersion> all = versions();
        Optional<RolloutState> state = rolloutState();
        if (state.isPresent()) {
            Optional<InstalledVersion> stable = all.stream().filter(v -> v.version() == state.get().stable()).findFirst();
            if (stable.isPresent()) {
                return stable;
            }
        }
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** The installed (numeric) version with this number, if any. */
    public Optional<InstalledVersion> version(long version) {
        return versions().stream().filter(v -> v.version() == version).findFirst();
    }

    /** Where the rollout state is kept: {@code <models-root>/<model>.rollout.json}, beside the base path (TF Serving never reads it). */
    public Path rolloutFile() {
        return basePath.resolveSibling(basePath.getFileName() + ".rollout.json");
    }

    /** The rollout state, or empty while TF Serving's default policy (the latest version) applies. */
    public Optional<RolloutState> rolloutState() {
        Path file = rolloutFile();
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.fromBytes(Files.readAllBytes(file), RolloutState.class));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the rollout state " + file + " cannot be read: " + e.getMessage() + " (remove it to go back "
                    + "to serving the latest version)", e);
        }
    }

    /** Writes the rollout state in one atomic step. */
    public void saveRolloutState(RolloutState state) {
        Path file = rolloutFile();
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            createBasePath();
            Files.write(temp, Json.toBytes(state));
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the rollout state " + file + ": " + e.getMessage(), e);
        }
    }

    /** Removes the rollout state: TF Serving's default policy (the latest version) applies again. */
    public void clearRolloutState() {
        try {
            Files.deleteIfExists(rolloutFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the rollout state " + rolloutFile() + ": " + e.getMessage(), e);
        }
    }

    /** The version (live, older or failed) that was installed from the given model value. */
    public Optional<InstalledVersion> findByModelValue(String modelValueId) {
        return Stream.concat(versions().stream(), failedVersions().stream())
                .filter(v -> modelValueId.equals(v.modelValueId())).findFirst();
    }

    /**
     * Unpacks a SavedModel archive as the next version: into {@code .incoming-<n>}, marker written, then renamed to {@code <n>}.
     * The archive may hold the SavedModel at its top level or inside one folder.
     *
     * @throws ModelRejectedException when the archive does not unpack or holds no SavedModel (the incoming folder is removed)
     */
    public InstalledVersion install(InputStream archive, String modelValueId, String sha256, String testAccuracy) {
        return install(claimVersion(), archive, modelValueId, sha256, testAccuracy);
    }

    /**
     * Unpacks a SavedModel archive as the version claimed before ({@link #claimVersion()}), into its {@code .incoming-<n>}.
     *
     * @throws ModelRejectedException when the archive does not unpack or holds no SavedModel (the incoming folder is removed)
     */
    public InstalledVersion install(long version, InputStream archive, String modelValueId, String sha256, String testAccuracy) {
        Path incoming = basePath.resolve(INCOMING + version);
        if (!Files.isDirectory(incoming)) {
            throw new IllegalStateException("version " + version + " was not claimed: " + incoming + " does not exist (was it removed "
                    + "by another serve-manager that runs as leader on the same folder?)");
        }
        try {
            Contents.extractTar(archive, incoming);
            Path root = savedModelRoot(incoming, modelValueId);
            InstalledVersion installed = new InstalledVersion(version, modelValueId, sha256, testAccuracy, Instant.now(), null,
                    basePath.resolve(Long.toString(version)));
            Files.write(root.resolve(MARKER), Json.toBytes(installed));
            move(root, installed.folder());
            if (!root.equals(incoming)) {
                deleteTree(incoming);
            }
            LOG.infof("installed model %s as version %d at %s", modelValueId, version, installed.folder());
            return installed;
        } catch (ModelRejectedException e) {
            deleteTree(incoming);
            throw e;
        } catch (IOException | RuntimeException e) {
            deleteTree(incoming);
            throw new ModelRejectedException("archive", "the archive of model " + modelValueId + " cannot be unpacked: "
                    + e.getMessage(), e);
        }
    }

    /** Renames a version to {@code .failed-<n>} with the reason in its marker, so the server drops it and the number is not reused. */
    public InstalledVersion moveAside(InstalledVersion version, String reason) {
        Path target = basePath.resolve(FAILED + version.version());
        try {
            move(version.folder(), target);
            InstalledVersion failed = version.withFailure(reason, target);
            Files.write(target.resolve(MARKER), Json.toBytes(failed));
            LOG.infof("moved version %d aside to %s: %s", version.version(), target, reason);
            return failed;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move version " + version.version() + " aside to " + target + ": " + e.getMessage(), e);
        }
    }

    private Path savedModelRoot(Path incoming, String modelValueId) throws IOException {
        if (isSavedModel(incoming)) {
            return incoming;
        }
        try (Stream<Path> children = Files.list(incoming)) {
            List<Path> folders = children.filter(Files::isDirectory).toList();
            if (folders.size() == 1 && isSavedModel(folders.get(0))) {
                return folders.get(0);
            }
        }
        throw new ModelRejectedException("archive", "the archive of model " + modelValueId + " holds no SavedModel: expected "
                + "saved_model.pb at its top level (or in its only folder)");
    }

    private static boolean isSavedModel(Path dir) {
        return Files.isRegularFile(dir.resolve("saved_model.pb")) || Files.isRegularFile(dir.resolve("saved_model.pbtxt"));
    }

    private static void move(Path from, Path to) throws IOException {
        if (Files.exists(to)) {
            throw new FileAlreadyExistsException(to.toString(), null, "a version folder is never rewritten");
        }
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + to.getParent() + " cannot rename atomically: " + e.getMessage(), e);
        }
    }

    private InstalledVersion read(Path folder) {
        Matcher m = VERSION.matcher(folder.getFileName().toString());
        long version = m.matches() ? Long.parseLong(m.group(2)) : -1;
        Path marker = folder.resolve(MARKER);
        if (Files.isRegularFile(marker)) {
            try {
                InstalledVersion stored = Json.fromBytes(Files.readAllBytes(marker), InstalledVersion.class);
                return new InstalledVersion(version, stored.modelValueId(), stored.sha256(), stored.testAccuracy(),
                        stored.installedAt(), stored.failure(), folder);
            } catch (IOException | RuntimeException e) {
                LOG.warnf("unreadable marker %s (%s): treating version %d as not installed by this service", marker, e.getMessage(),
                        version);
            }
        }
        String failure = folder.getFileName().toString().startsWith(FAILED) ? "moved aside (no marker)" : null;
        return new InstalledVersion(version, null, null, null, null, failure, folder);
    }

    private List<Path> list(String prefix) {
        List<Path> matching = new ArrayList<>();
        for (Path entry : entries()) {
            Matcher m = VERSION.matcher(entry.getFileName().toString());
            String found = m.matches() && m.group(1) != null ? m.group(1) : "";
            if (m.matches() && found.equals(prefix) && Files.isDirectory(entry)) {
                matching.add(entry);
            }
        }
        return matching;
    }

    private List<Path> entries() {
        if (!Files.isDirectory(basePath)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(basePath)) {
            return entries.toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the model base path " + basePath + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warnf("cannot remove %s: %s", dir, e.getMessage());
        }
    }
}
