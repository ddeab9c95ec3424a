package dev.tffashion.filedrop.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.tffashion.filedrop.messaging.ValueIndex;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.status.StatusEvent;

/**
 * {@code GET /v1/predictions/{image-id}}: the prediction made from a dropped image, or 404 with where the image is on its way
 * (dropped, converted and waiting for a model, or dead-lettered with the reason).
 */
@Path("/v1/predictions")
@Produces(MediaType.APPLICATION_JSON)
public class PredictionsResource {

    /** Where an image is while it has no prediction yet. */
    public record Pending(String error, String imageId, String state, String detail, String hint) {
    }

    @Inject
    ValueIndex index;

    @GET
    @Path("{imageId}")
    public Response prediction(@PathParam("imageId") String imageId) {
        var prediction = index.predictionOfImage(imageId);
        if (prediction.isPresent()) {
            return Response.ok(prediction.get()).build();
        }
        if (!index.caughtUp()) {
            return Response.status(503).header("Retry-After", "2").entity(new Pending("file-drop is still reading Kafka after its start;"
                + " the prediction of " + imageId + " may already exist", imageId, "loading", null, "retry in a few seconds")).build();
        }
        return Response.status(404).entity(pending(imageId)).build();
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
        StatusEvent predict = index.status().get("predict");
        String state = predict == null ? "predicting" : predict.state().wireName();
        String detail = "converted; " + (predict != null && predict.reason() != null ? "predict: " + predict.reason()
                : "waiting for predict");
        return new Pending(error, imageId, "waiting".equals(state) ? "waiting" : "predicting", detail, "retry shortly");
    }
}
