package dev.tffashion.filedrop.rest;

import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.tffashion.filedrop.DropRefusedException;
import dev.tffashion.filedrop.messaging.ValueIndex;
import dev.tffashion.filedrop.status.TaskStatusBoard;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.contracts.PredictionValue;
import dev.tffashion.pipeline.contracts.replay.Replays;
import dev.tffashion.pipeline.status.TaskStatus;
import dev.tffashion.pipeline.store.ContentStore;
import io.smallrye.common.annotation.Blocking;

/**
 * {@code GET /v1/predictions/{image-id}}: what a person asked, the class the served model gave a dropped image, its score, the model
 * version, the ten probabilities and the lineage ids (the full annotated value stays at {@code /v1/values/{id}}); or 404 with where
 * the image is on its way (dropped, converted and waiting for a model, or dead-lettered with the reason). After a replay (issue 16)
 * it answers the newest prediction, the one no other supersedes, and lists the earlier ones, newest first.
 */
@Path("/v1/predictions")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class PredictionsResource {

    /** Where an image is while it has no prediction yet. */
    public record Pending(String error, String imageId, String state, String detail, String hint) {
    }

    /** The model that answered. */
    public record Model(String name, long version, String signature) {
    }

    /**
     * The ids of the values the prediction was made from.
     *
     * @param supersedes the earlier prediction a replay replaced with this one, or null
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Lineage(String image, String tensor, String endpoint, String supersedes) {
    }

    /** An earlier prediction of the image, superseded by a replay. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Earlier(String id, String className, Integer label, Long modelVersion, String replayId, Instant createdAt,
            String value) {
    }

    /**
     * The answer for a predicted image.
     *
     * @param id            the prediction value's id
     * @param probabilities class name to probability, in label order
     * @param fromLogits    true when the model answered logits and the probabilities are their softmax
     * @param value         where the full annotated value of the prediction is
     * @param preview       where the 28x28 picture the model saw is
     * @param earlier       the earlier predictions of the image that replays superseded, newest first (empty without replays)
     */
    public record Answer(String id, String imageId, String className, int label, float score, Model model,
            Map<String, Float> probabilities, boolean fromLogits, Lineage lineage, Instant createdAt, String value, String preview,
            List<Earlier> earlier) {
    }

    @Inject
    ValueIndex index;

    @Inject
    TaskStatusBoard board;

    @Inject
    ContentStore store;

    @GET
    @Path("{imageId}")
    public Response prediction(@PathParam("imageId") String imageId) {
        List<AnnotatedValue> all = index.predictionsOfImage(imageId);
        var prediction = all.isEmpty() ? index.predictionOfImage(imageId) : Replays.current(all, v -> v);
        if (prediction.isPresent()) {
            String newest = prediction.get().id();
            List<Earlier> earlier = all.stream().filter(v -> !v.id().equals(newest))
                .sorted(Comparator.comparing(AnnotatedValue::createdAt).reversed())
                .map(v -> new Earlier(v.id(), v.annotation(PredictionValue.CLASS_NAME), integer(v.annotation(PredictionValue.LABEL)),
                    version(v.annotation(PredictionValue.MODEL_VERSION)), v.annotation(Replays.REPLAY_ID), v.createdAt(),
                    "/v1/values/" + v.id()))
                .toList();
            return Response.ok(answer(imageId, prediction.get(), earlier)).build();
        }
        if (!index.caughtUp()) {
            return Response.status(503).header("Retry-After", "2").entity(new Pending("file-drop is still reading Kafka after its start;"
                + " the prediction of " + imageId + " may already exist", imageId, "loading", null, "retry in a few seconds")).build();
        }
        return Response.status(404).entity(pending(imageId)).build();
    }

    private static Integer integer(String text) {
        try {
            return text == null ? null : Integer.valueOf(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Long version(String text) {
        try {
            return text == null ? null : Long.valueOf(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Answer answer(String imageId, AnnotatedValue value, List<Earlier> earlier) {
        PredictionValue prediction;
        try {
            prediction = PredictionValue.from(value, store);
        } catch (MalformedValueException e) {
            throw new DropRefusedException(500, "unreadable-prediction", e.getMessage(), "the full value is at /v1/values/" + value.id());
        }
        PredictionValue.Content content = prediction.content();
        Map<String, Float> probabilities = new LinkedHashMap<>();
        content.probabilities().forEach(p -> probabilities.put(p.className(), p.probability()));
        String image = prediction.imageId() == null ? imageId : prediction.imageId();
        return new Answer(prediction.id(), image, content.className(), content.label(), content.score(),
            new Model(content.model().name(), content.model().version(), content.model().signature()), probabilities,
            content.fromLogits(), new Lineage(image, prediction.tensorId(), prediction.endpointId(),
                Replays.supersedes(value).orElse(null)),
            prediction.createdAt(), "/v1/values/" + prediction.id(), "/v1/values/" + prediction.tensorId() + "/preview", earlier);
    }

    private Pending pending(String imageId) {
        String error = "no prediction yet for image " + imageId;
        var image = index.get(imageId);
        if (image.isEmpty()) {
            var dead = index.deadLetter(imageId);
            if (dead.isPresent()) {
                return new Pending(error, imageId, "failed", "refused by " + dead.get().task() + ": " + dead.get().reason(),
                        "fix the picture and drop it again");
            }
            return new Pending("unknown image " + imageId, imageId, "unknown", null, "use the id returned by POST /imageInput");
        }
        var dead = index.deadLetter(imageId);
        if (dead.isPresent()) {
            return new Pending(error, imageId, "failed", "refused by " + dead.get().task() + ": " + dead.get().reason(),
                    "fix the picture and drop it again");
        }
        var tensor = index.tensorOfImage(imageId);
        if (tensor.isEmpty()) {
            return new Pending(error, imageId, "converting", "dropped; waiting for imageConvert", "retry shortly");
        }
        AnnotatedValue t = tensor.get();
        var deadTensor = index.deadLetter(t.id());
        if (deadTensor.isPresent()) {
            return new Pending(error, imageId, "failed", "refused by " + deadTensor.get().task() + ": " + deadTensor.get().reason(),
                    "see the predict task's status");
        }
        TaskStatus predict = board.task("predict").orElse(null);
        String state = predict == null ? "predicting" : predict.state().wireName();
        String detail = "converted; " + (predict != null && predict.reason() != null ? "predict: " + predict.reason()
                : "waiting for predict");
        return new Pending(error, imageId, "waiting".equals(state) ? "waiting" : "predicting", detail, "retry shortly");
    }
}
