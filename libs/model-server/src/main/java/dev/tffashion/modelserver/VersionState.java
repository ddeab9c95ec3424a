package dev.tffashion.modelserver;

import tensorflow.serving.GetModelStatus.ModelVersionStatus;

/** The life cycle of one model version, as TF Serving's GetModelStatus reports it. */
public enum VersionState {
    /** Seen in the base path, not loading yet. */
    START(ModelVersionStatus.State.START),
    /** Being loaded; an older version keeps serving meanwhile. */
    LOADING(ModelVersionStatus.State.LOADING),
    /** Serving requests. */
    AVAILABLE(ModelVersionStatus.State.AVAILABLE),
    /** Replaced; waiting for its in-flight requests to end. */
    UNLOADING(ModelVersionStatus.State.UNLOADING),
    /** Unloaded, or failed to load (then the status carries the error). */
    END(ModelVersionStatus.State.END);

    private final ModelVersionStatus.State proto;

    VersionState(ModelVersionStatus.State proto) {
        this.proto = proto;
    }

    ModelVersionStatus.State proto() {
        return proto;
    }
}
