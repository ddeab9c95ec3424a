package dev.tffashion.filedrop.rest;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import dev.tffashion.filedrop.config.FileDropConfig;
import dev.tffashion.filedrop.status.TaskStatusBoard;
import dev.tffashion.pipeline.contracts.EndpointValue;
import dev.tffashion.pipeline.contracts.RolloutCommand;
import dev.tffashion.pipeline.status.TaskStatus;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * The rollout of a served model (README, "Rollouts"), apart from TF Serving's own {@code /v1/models} on its port:
 * {@code GET /v1/rollout/{name}} shows what serve-manager reports on status (live and challenger versions, agreement overall and per
 * class, p99 of both, the gate and its last decision); {@code POST /v1/rollout/{name}/promote} and
 * {@code POST /v1/rollout/{name}/rollback[?version=]} (writes: behind the write token) put a command on
 * {@code <pipeline>.serve.control} for the serve-manager leader and answer 202 once Kafka has it; its outcome shows on the GET.
 */
@Path("/v1/rollout/{name}")
@Produces(MediaType.APPLICATION_JSON)
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
    public Response promote(@PathParam("name") String name) {
        return send(name, RolloutCommand.PROMOTE, null);
    }

    @POST
    @Path("rollback")
    public Response rollback(@PathParam("name") String name, @QueryParam("version") String version) {
        Long wanted = null;
        if (version != null && !version.isBlank()) {
            try {
                wanted = Long.parseLong(version.trim());
            } catch (NumberFormatException e) {
                wanted = -1L;
            }
            if (wanted < 1) {
                return ApiError.response(400, "version '" + version + "' is not a version number",
                    "give a whole number from 1 (GET /v1/rollout/" + name + " lists installedVersions), or leave it out to roll back "
                        + "to the version below the live one");
            }
        }
        return send(name, RolloutCommand.ROLLBACK, wanted);
    }

    private Response send(String name, String action, Long version) {
        Response notServed = rollout(name);
        if (notServed.getStatus() != 200) {
            return notServed;
        }
        RolloutCommand command = RolloutCommand.of(name, action, version);
        Message<byte[]> message = Message.of(command.toBytes(), Metadata.of(OutgoingKafkaRecordMetadata.<String>builder().withKey(name)
            .build()));
        CompletableFuture<Void> acked = new CompletableFuture<>();
        commands.send(message.withAck(() -> {
            acked.complete(null);
            return CompletableFuture.completedFuture(null);
        }).withNack(e -> {
            acked.completeExceptionally(e);
            return CompletableFuture.completedFuture(null);
        }));
        try {
            acked.get(config.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return ApiError.response(503, "the " + action + " command could not be stored on Kafka: "
                + (e instanceof ExecutionException ? e.getCause().getMessage() : "timed out"), "nothing was done; retry the request");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ApiError.response(503, "interrupted", "retry the request");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("command", command.id());
        body.put("action", action);
        if (version != null) {
            body.put("version", version);
        }
        body.put("status", "/v1/rollout/" + name);
        return Response.accepted(body).build();
    }

    @SuppressWarnings("unchecked")
    private Optional<Map<String, Object>> current() {
        return board.task(EndpointValue.TASK).map(TaskStatus::details).map(d -> d.get("rollout"))
            .filter(Map.class::isInstance).map(r -> (Map<String, Object>) r);
    }
}
