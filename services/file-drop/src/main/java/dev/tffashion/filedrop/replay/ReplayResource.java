package dev.tffashion.filedrop.replay;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.tffashion.filedrop.DropRefusedException;
import dev.tffashion.filedrop.messaging.ValueIndex;
import dev.tffashion.filedrop.rest.WriteBodies;
import dev.tffashion.pipeline.contracts.replay.InvalidReplayRequestException;
import dev.tffashion.pipeline.contracts.replay.ReplayReport;
import dev.tffashion.pipeline.contracts.replay.ReplayRequest;
import dev.tffashion.pipeline.contracts.replay.ReplayTally;
import dev.tffashion.pipeline.store.ContentStore;
import io.smallrye.common.annotation.Blocking;
import io.vertx.ext.web.RoutingContext;

/**
 * Replays (issue 16, README "Replay"): {@code POST /v1/replay} (behind the write token, like every write) publishes a request
 * that predict's replay job runs; {@code GET /v1/replay/{id}} serves its report, the flipped labels before and after with links to
 * the pictures; {@code GET /v1/replay} lists every replay. The reports come from file-drop's index of
 * {@code <pipeline>.replay.report}.
 */
@Path("/v1/replay")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class ReplayResource {

    /** The answer to a posted replay. */
    public record Accepted(String id, ReplayRequest request, String describe, String state, String report, String note) {
    }

    /** One side of a flip: the prediction, its class and where its value is. */
    public record Side(String id, int label, String className, Long version, String value) {
    }

    /** One flipped image, with its picture. */
    public record Flip(String imageId, String tensorId, Side before, Side after, String preview, String prediction) {
    }

    /** The report of a replay, as served. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Report(String id, ReplayRequest request, String describe, String state, String reason, String model,
            Long fromVersion, long toVersion, Instant startedAt, Instant updatedAt, double progress, ReplayReport.Counts counts,
            List<ReplayReport.ClassRow> perClass, Map<String, Long> changes, List<Flip> flips, List<String> outOfReach) {
    }

    /** A replay in the list. */
    public record Summary(String id, String describe, String state, ReplayReport.Counts counts, Instant updatedAt, String report) {
    }

    @Inject
    ReplayRequests requests;

    @Inject
    ValueIndex index;

    @Inject
    ContentStore store;

    /**
     * Publishes the replay request; the answer comes once Kafka has it (202), or says that Kafka did not confirm it (503: it may
     * still be stored, and the same body again is the same replay). The method returns at once: no thread waits for Kafka.
     */
    @POST
    @Consumes(MediaType.WILDCARD)
    public CompletionStage<Response> post(@Context RoutingContext ctx) {
        ReplayRequest request;
        try {
            request = ReplayRequest.parse(WriteBodies.body(ctx));
        } catch (InvalidReplayRequestException e) {
            throw new DropRefusedException(400, "bad-replay", "bad replay request: " + e.getMessage(), e.hint());
        }
        Optional<ReplayReport> known = report(request.id());
        if (known.isPresent() && known.get().state() == ReplayReport.State.DONE) {
            return CompletableFuture.completedFuture(Response.ok(new Accepted(request.id(), request, request.describe(), "done",
                link(request.id()), "this replay is done: the same replay again makes no new values")).build());
        }
        String state = known.map(r -> r.state().name().toLowerCase(Locale.ROOT)).orElse("requested");
        CompletableFuture<Response> response = new CompletableFuture<>();
        // by hand, not thenApply: the refusal reaches the exception mappers as itself, not inside a CompletionException
        requests.publish(request).whenComplete((ok, error) -> {
            if (error != null) {
                response.completeExceptionally(error);
            } else {
                response.complete(Response.status(202).location(URI.create(link(request.id())))
                    .entity(new Accepted(request.id(), request, request.describe(), state, link(request.id()),
                        "predict's replay job runs it; follow its progress at " + link(request.id()))).build());
            }
        });
        return response;
    }

    @GET
    public List<Summary> list() {
        List<Summary> all = new ArrayList<>();
        for (byte[] json : index.replayReports()) {
            try {
                ReplayReport r = ReplayReport.fromJson(json);
                all.add(new Summary(r.replayId(), r.request().describe(), state(r), r.counts(), r.updatedAt(), link(r.replayId())));
            } catch (RuntimeException e) {
                // a record that is not a report: not listed
            }
        }
        all.sort(Comparator.comparing(Summary::updatedAt, Comparator.nullsFirst(Comparator.naturalOrder())).reversed());
        return all;
    }

    @GET
    @Path("{id}")
    public Report get(@PathParam("id") String id) {
        ReplayReport r = report(id).orElseThrow(() -> new DropRefusedException(404, "unknown-replay", index.caughtUp()
            ? "no report for replay " + id + " yet" : "file-drop is still reading Kafka after its start; replay " + id
                + " may exist", "a replay just posted gets its first report once predict's replay job starts it (is predict "
                + "running?); GET /v1/replay lists the replays"));
        ReplayReport.Details details;
        try {
            details = ReplayTally.details(r, store);
        } catch (RuntimeException e) {
            throw new DropRefusedException(500, "unreadable-replay", "the details of replay " + id + " cannot be read: " + e.getMessage(),
                "the counts are on the status of the replay task; the store may have lost the document");
        }
        List<Flip> flips = details.flips().stream().map(f -> new Flip(f.imageId(), f.tensorId(),
            new Side(f.beforeId(), f.beforeLabel(), f.beforeClass(), f.beforeVersion(), "/v1/values/" + f.beforeId()),
            new Side(f.afterId(), f.afterLabel(), f.afterClass(), r.request().toVersion(), "/v1/values/" + f.afterId()),
            "/v1/values/" + f.tensorId() + "/preview", "/v1/predictions/" + f.imageId())).toList();
        return new Report(r.replayId(), r.request(), r.request().describe(), state(r), r.reason(), r.modelName(), r.request().fromVersion(),
            r.request().toVersion(), r.startedAt(), r.updatedAt(), r.counts().progress(), r.counts(), r.perClass(), r.changes(), flips,
            details.outOfReach());
    }

    private Optional<ReplayReport> report(String id) {
        return index.replayReport(id).map(ReplayReport::fromJson);
    }

    private static String state(ReplayReport r) {
        return r.state().name().toLowerCase(Locale.ROOT);
    }

    private static String link(String id) {
        return "/v1/replay/" + id;
    }
}
