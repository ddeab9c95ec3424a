package dev.tffashion.fashionmnist;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Finds Fashion-MNIST and checks it: the configured folder, then the Debian package's folder
 * ({@code /usr/share/datasets/fashion-mnist}), then the Keras cache ({@code ~/.keras/datasets/fashion-mnist}), then the
 * download cache, downloading from the mirror into it if allowed. Each file is checked against its expected MD5
 * (uncompressed content). Never a synthetic stand-in: when nothing fits, {@link #locate()} fails with a message that
 * says where it looked and how to get the data.
 */
public final class DatasetLocator {

    /** The canonical mirror (Zalando Research's), holding {@code train-images-idx3-ubyte.gz} etc. */
    public static final URI CANONICAL_BASE_URL = URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/");
    /** Where the Debian package {@code dataset-fashion-mnist} installs the files. */
    public static final Path DEBIAN_FOLDER = Path.of("/usr/share/datasets/fashion-mnist");

    private static final System.Logger LOG = System.getLogger(DatasetLocator.class.getName());

    private final Path folder;
    private final Path systemFolder;
    private final Path kerasFolder;
    private final Path cacheFolder;
    private final URI baseUrl;
    private final boolean download;
    private final Map<DatasetFile, String> expectedMd5;
    private final String settingPrefix;
    private final Duration connectTimeout;
    private final Duration downloadTimeout;

    private DatasetLocator(Builder builder) {
        this.folder = builder.folder;
        this.systemFolder = builder.systemFolder;
        this.kerasFolder = builder.kerasFolder;
        this.cacheFolder = builder.cacheFolder;
        this.baseUrl = builder.baseUrl.toString().endsWith("/") ? builder.baseUrl : URI.create(builder.baseUrl + "/");
        this.download = builder.download;
        this.expectedMd5 = new EnumMap<>(builder.expectedMd5);
        this.settingPrefix = builder.settingPrefix;
        this.connectTimeout = builder.connectTimeout;
        this.downloadTimeout = builder.downloadTimeout;
    }

    /** A locator with the default lookup order and the published checksums. */
    public static DatasetLocator defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Finds the four files and verifies their MD5s.
     *
     * @throws DatasetUnavailableException when no candidate holds all four files with the expected checksums and the
     *                                     download is off or fails; the message explains how to get the data
     */
    public DatasetFiles locate() {
        List<String> problems = new ArrayList<>();
        List<Candidate> candidates = new ArrayList<>();
        if (folder != null) {
            candidates.add(new Candidate(folder, "configured folder (" + settingPrefix + ".folder)"));
        }
        if (systemFolder != null) {
            candidates.add(new Candidate(systemFolder, "Debian package dataset-fashion-mnist"));
        }
        if (kerasFolder != null) {
            candidates.add(new Candidate(kerasFolder, "Keras cache"));
        }
        if (cacheFolder != null) {
            candidates.add(new Candidate(cacheFolder, "download cache"));
        }
        for (Candidate candidate : candidates) {
            String problem = check(candidate);
            if (problem == null) {
                return verified(candidate);
            }
            problems.add(candidate.description + " " + candidate.folder + ": " + problem);
            if (candidate.folder.equals(folder)) {
                LOG.log(Level.WARNING, "Fashion-MNIST: skipping the configured folder {0}: {1}", folder, problem);
            }
        }
        if (download && cacheFolder != null) {
            try {
                downloadInto(cacheFolder);
                Candidate cache = new Candidate(cacheFolder, "downloaded from " + baseUrl);
                String problem = check(cache);
                if (problem == null) {
                    return verified(cache);
                }
                problems.add("download from " + baseUrl + " into " + cacheFolder + ": " + problem);
            } catch (IOException | RuntimeException e) {
                problems.add("download from " + baseUrl + " into " + cacheFolder + " failed: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                problems.add("download from " + baseUrl + " was interrupted");
            }
        } else {
            problems.add("download: off (" + settingPrefix + ".download=false)");
        }
        throw new DatasetUnavailableException(failureMessage(problems));
    }

    private String failureMessage(List<String> problems) {
        StringBuilder message = new StringBuilder("Fashion-MNIST is not available. Looked at:");
        for (String problem : problems) {
            message.append("\n  - ").append(problem);
        }
        message.append("\nTo fix, do one of:")
            .append("\n  - install the Debian package: sudo apt-get install dataset-fashion-mnist (files in ")
            .append(DEBIAN_FOLDER).append(')')
            .append("\n  - put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and")
            .append(" t10k-labels-idx1-ubyte.gz (from https://github.com/zalandoresearch/fashion-mnist) in a folder and set ")
            .append(settingPrefix).append(".folder to it")
            .append("\n  - allow the download (").append(settingPrefix).append(".download=true) from a host that reaches ")
            .append(baseUrl).append(" or set ").append(settingPrefix).append(".base-url to a mirror holding the same files");
        return message.toString();
    }

    private DatasetFiles verified(Candidate candidate) {
        Map<DatasetFile, Path> paths = new EnumMap<>(DatasetFile.class);
        for (DatasetFile file : DatasetFile.values()) {
            paths.put(file, find(candidate.folder, file));
        }
        LOG.log(Level.INFO, "Fashion-MNIST: using {0} ({1}), checksums verified", candidate.folder, candidate.description);
        return new DatasetFiles(candidate.folder, candidate.description, paths, expectedMd5);
    }

    /** Returns null when the folder holds all four files with the expected MD5s, else what is wrong. */
    private String check(Candidate candidate) {
        if (!Files.isDirectory(candidate.folder)) {
            return "no such folder";
        }
        List<String> missing = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        for (DatasetFile file : DatasetFile.values()) {
            Path path = find(candidate.folder, file);
            if (path == null) {
                missing.add(file.gzFileName());
                continue;
            }
            String actual;
            try {
                actual = Checksums.uncompressedMd5(path);
            } catch (IOException e) {
                wrong.add(path.getFileName() + " is unreadable (" + e.getMessage() + ")");
                continue;
            }
            if (!actual.equalsIgnoreCase(expectedMd5.get(file))) {
                wrong.add("%s has MD5 %s (uncompressed), expected %s".formatted(path.getFileName(), actual, expectedMd5.get(file)));
            }
        }
        if (missing.isEmpty() && wrong.isEmpty()) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) {
            parts.add("missing " + String.join(", ", missing));
        }
        parts.addAll(wrong);
        return String.join("; ", parts);
    }

    private static Path find(Path folder, DatasetFile file) {
        Path gz = folder.resolve(file.gzFileName());
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path raw = folder.resolve(file.fileName());
        return Files.isRegularFile(raw) ? raw : null;
    }

    private void downloadInto(Path target) throws IOException, InterruptedException {
        Files.createDirectories(target);
        HttpClient client = HttpClient.newBuilder()
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
        for (DatasetFile file : DatasetFile.values()) {
            Path existing = find(target, file);
            if (existing != null && expectedMd5.get(file).equalsIgnoreCase(Checksums.uncompressedMd5(existing))) {
                continue;
            }
            if (existing != null) {
                Files.delete(existing);
            }
            downloadOne(client, file, target);
        }
    }

    private void downloadOne(HttpClient client, DatasetFile file, Path target) throws IOException, InterruptedException {
        URI uri = baseUrl.resolve(file.gzFileName());
        LOG.log(Level.INFO, "Fashion-MNIST: downloading {0}", uri);
        long started = System.nanoTime();
        Path part = Files.createTempFile(target, "." + file.gzFileName() + ".", ".part");
        try {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(downloadTimeout).GET().build();
            HttpResponse<Path> response = client.send(request, HttpResponse.BodyHandlers.ofFile(part));
            if (response.statusCode() != 200) {
                throw new IOException("GET " + uri + " answered HTTP " + response.statusCode());
            }
            String actual;
            try {
                actual = Checksums.uncompressedMd5(part);
            } catch (IOException e) {
                throw new IOException(uri + " is not a readable (gzipped) IDX file: " + e.getMessage(), e);
            }
            if (!actual.equalsIgnoreCase(expectedMd5.get(file))) {
                throw new IOException("%s has MD5 %s (uncompressed), expected %s".formatted(uri, actual, expectedMd5.get(file)));
            }
            Files.move(part, target.resolve(file.gzFileName()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            LOG.log(Level.INFO, "Fashion-MNIST: downloaded {0} ({1} bytes) in {2} ms", file.gzFileName(),
                Files.size(target.resolve(file.gzFileName())), (System.nanoTime() - started) / 1_000_000);
        } finally {
            try {
                Files.deleteIfExists(part);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "Fashion-MNIST: could not delete the partial download {0}: {1}", part, e.getMessage());
            }
        }
    }

    private record Candidate(Path folder, String description) {
    }

    /** Settings of a {@link DatasetLocator}; every one has a default. */
    public static final class Builder {
        private Path folder;
        private Path systemFolder = DEBIAN_FOLDER;
        private Path kerasFolder = Path.of(System.getProperty("user.home"), ".keras", "datasets", "fashion-mnist");
        private Path cacheFolder = defaultCacheFolder();
        private URI baseUrl = CANONICAL_BASE_URL;
        private boolean download = true;
        private final Map<DatasetFile, String> expectedMd5 = new EnumMap<>(DatasetFile.class);
        private String settingPrefix = "fashion-mnist";
        private Duration connectTimeout = Duration.ofSeconds(15);
        private Duration downloadTimeout = Duration.ofMinutes(10);

        private Builder() {
            for (DatasetFile file : DatasetFile.values()) {
                expectedMd5.put(file, file.canonicalMd5());
            }
        }

        private static Path defaultCacheFolder() {
            String xdg = System.getenv("XDG_CACHE_HOME");
            Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
            return base.resolve("tf-fashion").resolve("fashion-mnist");
        }

        /** The folder to look in first (none by default). */
        public Builder folder(Path folder) {
            this.folder = folder;
            return this;
        }

        /** The Debian package's folder; null to skip. */
        public Builder systemFolder(Path systemFolder) {
            this.systemFolder = systemFolder;
            return this;
        }

        /** The Keras cache folder; null to skip. */
        public Builder kerasFolder(Path kerasFolder) {
            this.kerasFolder = kerasFolder;
            return this;
        }

        /** Where downloads go (default {@code $XDG_CACHE_HOME/tf-fashion/fashion-mnist} or {@code ~/.cache/...}). */
        public Builder cacheFolder(Path cacheFolder) {
            this.cacheFolder = Objects.requireNonNull(cacheFolder, "cacheFolder");
            return this;
        }

        /** The mirror to download {@code <name>.gz} files from. */
        public Builder baseUrl(URI baseUrl) {
            this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
            return this;
        }

        /** Whether to download when no folder holds the data (default true). */
        public Builder download(boolean download) {
            this.download = download;
            return this;
        }

        /** Overrides the expected MD5 (uncompressed content) of one file. */
        public Builder expectedMd5(DatasetFile file, String md5) {
            this.expectedMd5.put(file, Objects.requireNonNull(md5, "md5"));
            return this;
        }

        /** Prefix of the setting names that failure messages mention, e.g. {@code learn.dataset}. */
        public Builder settingPrefix(String settingPrefix) {
            this.settingPrefix = Objects.requireNonNull(settingPrefix, "settingPrefix");
            return this;
        }

        /** Connect timeout of the download. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
            return this;
        }

        /** Timeout of each file's download. */
        public Builder downloadTimeout(Duration downloadTimeout) {
            this.downloadTimeout = Objects.requireNonNull(downloadTimeout, "downloadTimeout");
            return this;
        }

        public DatasetLocator build() {
            return new DatasetLocator(this);
        }
    }
}
