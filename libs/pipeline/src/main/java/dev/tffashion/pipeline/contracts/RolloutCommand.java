package dev.tffashion.pipeline.contracts;

import java.time.Instant;
import java.util.Locale;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.MalformedValueException;

/**
 * A manual rollout command on {@code <pipeline>.serve.control}, written by file-drop ({@code POST /v1/rollout/{name}/promote},
 * {@code POST /v1/rollout/{name}/rollback[?version=]}) and carried out by the serve-manager leader: promote the challenger on
 * trial, or make an earlier version live again. The record's value is this record as JSON, its key the model name.
 *
 * @param id a unique id, to find the outcome on status
 * @param modelName the served model's name
 * @param action {@code promote} or {@code rollback}
 * @param version for a rollback, the version to make live (null: the installed version just below the live one)
 * @param requestedAt when file-drop took the request
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RolloutCommand(String id, String modelName, String action, Long version, Instant requestedAt) {

    public static final String PROMOTE = "promote";
    public static final String ROLLBACK = "rollback";

    public RolloutCommand {
        if (modelName == null || modelName.isBlank()) {
            throw new IllegalArgumentException("a rollout command names the model");
        }
        action = action == null ? null : action.toLowerCase(Locale.ROOT);
        if (!PROMOTE.equals(action) && !ROLLBACK.equals(action)) {
            throw new IllegalArgumentException("a rollout command is '" + PROMOTE + "' or '" + ROLLBACK + "', not '" + action + "'");
        }
        if (version != null && (version < 1 || PROMOTE.equals(action))) {
            throw new IllegalArgumentException(PROMOTE.equals(action) ? "promote takes no version: it promotes the challenger on trial"
                : "a version is a whole number from 1, got " + version);
        }
        id = id == null || id.isBlank() ? UUID.randomUUID().toString() : id;
        requestedAt = requestedAt == null ? Instant.now() : requestedAt;
    }

    /** A new command. */
    public static RolloutCommand of(String modelName, String action, Long version) {
        return new RolloutCommand(null, modelName, action, version, null);
    }

    public byte[] toBytes() {
        return Json.toBytes(this);
    }

    /**
     * Reads a command.
     *
     * @throws MalformedValueException when the bytes are not a command
     */
    public static RolloutCommand from(byte[] json) {
        try {
            return Json.fromBytes(json, RolloutCommand.class);
        } catch (IllegalArgumentException e) {
            throw new MalformedValueException("not a rollout command: " + e.getMessage(), e);
        }
    }
}
