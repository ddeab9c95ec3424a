package dev.tffashion.pipeline.status;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A task's state, as the UI colours it: gray idle, orange waiting, yellow active, green succeeded, red failed, and light blue
 * standby (a replica that is ready to take over but does not act: a serve-manager that does not hold the leadership).
 */
public enum TaskState {
    IDLE,
    WAITING,
    ACTIVE,
    SUCCEEDED,
    FAILED,
    STANDBY;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether the state says what the task's work is doing (not idle and not standby). */
    public boolean working() {
        return this != IDLE && this != STANDBY;
    }
}
