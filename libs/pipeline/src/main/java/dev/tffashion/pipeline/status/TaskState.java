package dev.tffashion.pipeline.status;

import com.fasterxml.jackson.annotation.JsonValue;

/** A task's state, as the UI colours it: gray idle, orange waiting, yellow active, green succeeded, red failed. */
public enum TaskState {
    IDLE,
    WAITING,
    ACTIVE,
    SUCCEEDED,
    FAILED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
