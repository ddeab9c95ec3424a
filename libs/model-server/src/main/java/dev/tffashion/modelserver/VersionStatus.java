package dev.tffashion.modelserver;

import org.tensorflow.proto.error.Code;

/**
 * The state of one model version, with the error that ended it if any.
 *
 * @param version      the numeric version folder
 * @param state        its life-cycle state
 * @param errorCode    OK, or why the version failed to load
 * @param errorMessage empty, or the load error
 */
public record VersionStatus(long version, VersionState state, Code errorCode, String errorMessage) {

    static VersionStatus ok(long version, VersionState state) {
        return new VersionStatus(version, state, Code.OK, "");
    }

    /** True when the version failed (its state is END with an error). */
    public boolean failed() {
        return errorCode != Code.OK;
    }
}
