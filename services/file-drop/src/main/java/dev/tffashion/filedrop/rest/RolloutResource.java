package dev.tffashion.filedrop.rest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

import dev.tffashion.filedrop.config.FileDropConfig;
import dev.tffashion.filedrop.messaging.KeyedCommands;
import dev.tffashion.filedrop.status.TaskStatusBoard;
import dev.tffashion.pipeline.contracts.EndpointValue;
import dev.tffashion.pipeline.contracts.RolloutCommand;
import dev.tffashion.pipeline.status.TaskStatus;
import io.smallrye.common.annotation.Blocking;

/**
 * The rollout of a served model (README, "Rollouts"), apart from TF Serving's own {@code /v1/models} on its port:
 * {@code GET /v1/rollout/{name}} shows what serve-manager reports on status (live and challenger versions, agreement overall and per
 * class, p99 of both, the gate and its last decision); {@code POST /v1/rollout/{name}/promote} and
 * {@code POST /v1/rollout/{name}/rollback[?version=]} (writes: behind the write token) put a command on
 * {@code <pipeline>.serve.control} for the serve-manager leader and answer 202 once Kafka has it (503 when Kafka did not take it
 * within file-drop.publish-timeout; no thread waits meanwhile); its outcome shows on the GET.
 */
@Path("/v1/rollout/{name}")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class RolloutResource {

    /** Outgoing channel of rollout commands. */
    public static final String COMMANDS = "rollout-commands";

    @Inject
    TaskStatusBoard board;

    @Inject
    FileDropConfig config;

    @Inject
    @Channel(COMMANDS)
    Emitter<byte[]> commands;

    @GET
    public Response rollout(@PathParam("name") String name) {
        Optional<Map<String, Object>> rollout = current();
        if (rollout.isEmpty()) {
            return ApiError.response(404, "no rollout reported: the serve task has not reported a served model "
                + "yet", "wait until a model is served (GET /v1/pipeline shows the serve task's status)");
        }
        Object served = rollout.get().get("modelName");
        if (!name.equals(served)) {
            return ApiError.response(404, "no model '" + name + "' is served", "the served model is '" + served
                + "': GET /v1/rollout/" + served);
        }
        return Response.ok(rollout.get()).build();
    }

    @POST
    @Path("promote")
    public CompletionStage<Response> promote(@PathParam("name") String name) {
        return send(name, RolloutCommand.PROMOTE, null);
    }

    @POST
    @Path("rollback")
    public CompletionStage<Response> rollback(@PathParam("name") String name, @QueryParam("version") String version) {
        Long wanted = null;
        if (version != null && !version.isBlank()) {
            try {
                wanted = Long.parseLong(version.trim());
            } catch (NumberFormatException e) {
                wanted = -1L;
            }
            if (wanted < 1) {
                return CompletableFuture.completedFuture(ApiError.response(400, "version '" + version + "' is not a version number",
                    "give a whole number from 1 (GET /v1/rollout/" + name + " lists installedVersions), or leave it out to roll back "
                        + "to the version below the live one"));
            }
        }
        return send(name, RolloutCommand.ROLLBACK, wanted);
    }

    /**
     * Puts the command on Kafka; the answer comes once Kafka has it, and no thread waits meanwhile. A rollback without a version
     * is sent for the version below the live one as the serve task reports them now, so that a command that reaches Kafka twice
     * (sent again after a 503 that Kafka stored all the same) rolls back once, not two versions.
     */
    private CompletionStage<Response> send(String name, String action, Long version) {
        Response notServed = rollout(name);
        if (notServed.getStatus() != 200) {
            return CompletableFuture.completedFuture(notServed);
        }
        Long target = RolloutCommand.ROLLBACK.equals(action) && version == null ? current().map(RolloutResource::belowLive).orElse(null)
            : version;
        RolloutCommand command = RolloutCommand.of(name, action, target);
        String what = "the " + action + " command" + (target != null ? " (to version " + target + ")" : "");
        return KeyedCommands.send(commands, name, command.toBytes(), config.publishTimeout(), what).handle((ok, error) -> {
            if (error != null) {
                return ApiError.response(503, error.getMessage(), "Kafka may still store it once"
                    + " it answers, and serve-manager then carries it out: see lastDecision on GET /v1/rollout/" + name + " before you"
                    + " send it again");
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("command", command.id());
            body.put("action", action);
            if (target != null) {
                body.put("version", target);
            }
            body.put("status", "/v1/rollout/" + name);
            return Response.accepted(body).build();
        });
    }

    /**
     * The installed version just below the live one in the serve task's report, or null when it reports none (serve-manager then
     * picks it, or refuses the command with what is installed).
     */
    static Long belowLive(Map<String, Object> rollout) {
        if (!(rollout.get("liveVersion") instanceof Number live) || !(rollout.get("installedVersions") instanceof List<?> installed)) {
            return null;
        }
        return installed.stream().filter(Number.class::isInstance).map(v -> ((Number) v).longValue()).filter(v -> v < live.longValue())
            .max(Long::compare).orElse(null);
    }

    @SuppressWarnings("unchecked")
    private Optional<Map<String, Object>> current() {
        return board.task(EndpointValue.TASK).map(TaskStatus::details).map(d -> d.get("rollout"))
            .filter(Map.class::isInstance).map(r -> (Map<String, Object>) r);
    }
}
