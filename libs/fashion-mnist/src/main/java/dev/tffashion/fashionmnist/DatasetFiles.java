package dev.tffashion.fashionmnist;

import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The four located, verified files: where they are, which lookup step found them ({@code source}) and the MD5 of each
 * file's uncompressed content (to record in model annotations).
 */
public record DatasetFiles(Path folder, String source, Map<DatasetFile, Path> paths, Map<DatasetFile, String> md5s) {

    public DatasetFiles {
        paths = Collections.unmodifiableMap(new EnumMap<>(paths));
        md5s = Collections.unmodifiableMap(new EnumMap<>(md5s));
    }

    /** The path of one file ({@code .gz} or uncompressed). */
    public Path path(DatasetFile file) {
        Path path = paths.get(file);
        if (path == null) {
            throw new IllegalStateException("no path for " + file.fileName());
        }
        return path;
    }

    /** MD5 of each uncompressed file, keyed by the file's canonical name (e.g. {@code train-images-idx3-ubyte}). */
    public Map<String, String> checksums() {
        Map<String, String> checksums = new LinkedHashMap<>();
        md5s.forEach((file, md5) -> checksums.put(file.fileName(), md5));
        return checksums;
    }
}
