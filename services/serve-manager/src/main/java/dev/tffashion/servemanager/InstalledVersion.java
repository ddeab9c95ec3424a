package dev.tffashion.servemanager;

import java.nio.file.Path;
import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A version folder of the served model and the marker it carries ({@value ModelRepository#MARKER}): which model value it was
 * installed from, when, and, for a version moved aside, why.
 *
 * @param version      the version number (the folder name, or the number in {@code .failed-<n>})
 * @param modelValueId the id of the {@code learn.model} value it was unpacked from; null when the folder has no marker
 * @param sha256       the archive's checksum
 * @param testAccuracy the model's test accuracy as the learn task annotated it, if any
 * @param installedAt  when it was unpacked
 * @param failure      why it was moved aside, or null
 * @param folder       where it is on disk
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InstalledVersion(long version, String modelValueId, String sha256, String testAccuracy, Instant installedAt,
        String failure, @JsonIgnore Path folder) {

    /** Whether this version was moved aside. */
    @JsonIgnore
    public boolean failed() {
        return failure != null;
    }

    InstalledVersion withFailure(String reason, Path newFolder) {
        return new InstalledVersion(version, modelValueId, sha256, testAccuracy, installedAt, reason, newFolder);
    }

    InstalledVersion withFolder(Path newFolder) {
        return new InstalledVersion(version, modelValueId, sha256, testAccuracy, installedAt, failure, newFolder);
    }
}
