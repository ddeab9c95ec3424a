package dev.tffashion.filedrop.rest;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

import dev.tffashion.filedrop.DropRefusedException;
import dev.tffashion.filedrop.DropService;
import dev.tffashion.pipeline.quarkus.trace.PipelineTracing;
import io.opentelemetry.context.Scope;
import io.smallrye.common.annotation.Blocking;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /scriptInput} and {@code POST /imageInput}: a raw body ({@code curl --data-binary @file}) or multipart
 * ({@code curl -F file=@file}); {@code 202 {"id": ...}} once the value is on Kafka.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class DropResource {

    @Inject
    DropService drops;

    @Inject
    PipelineTracing tracing;

    @Context
    HttpHeaders headers;

    @POST
    @Path("scriptInput")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public CompletionStage<Response> scriptMultipart(@RestForm("file") FileUpload file, @HeaderParam("Idempotency-Key") String key) {
        return multipart("scriptInput", file, key);
    }

    @POST
    @Path("scriptInput")
    @Consumes(MediaType.WILDCARD)
    public CompletionStage<Response> scriptRaw(@Context RoutingContext ctx, @HeaderParam("Idempotency-Key") String key,
            @QueryParam("name") String name) {
        return raw("scriptInput", ctx, key, name);
    }

    @POST
    @Path("imageInput")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public CompletionStage<Response> imageMultipart(@RestForm("file") FileUpload file, @HeaderParam("Idempotency-Key") String key) {
        return multipart("imageInput", file, key);
    }

    @POST
    @Path("imageInput")
    @Consumes(MediaType.WILDCARD)
    public CompletionStage<Response> imageRaw(@Context RoutingContext ctx, @HeaderParam("Idempotency-Key") String key,
            @QueryParam("name") String name) {
        return raw("imageInput", ctx, key, name);
    }

    /** A raw body: read whole by {@link WriteBodies} on the event loop (no thread waits for it), within the task's limit. */
    private CompletionStage<Response> raw(String task, RoutingContext ctx, String key, String name) {
        byte[] bytes = WriteBodies.body(ctx);
        try (Scope client = tracing.requestScope(headers::getHeaderString)) {
            return accepted(drops.drop(task, bytes, FileNames.sanitize(name), key));
        }
    }

    private CompletionStage<Response> multipart(String task, FileUpload file, String key) {
        if (file == null) {
            throw new DropRefusedException(400, "no-file", "the multipart request has no part named 'file'",
                    "send it as: curl -F file=@garment.png http://localhost:8080/" + task);
        }
        drops.checkSize(task, file.size());
        try {
            byte[] bytes = Files.readAllBytes(file.uploadedFile());
            try (Scope client = tracing.requestScope(headers::getHeaderString)) {
                return accepted(drops.drop(task, bytes, FileNames.sanitize(file.fileName()), key));
            }
        } catch (IOException e) {
            throw new DropRefusedException(400, "unreadable", "the uploaded part could not be read: " + e.getMessage(),
                    "send the file again");
        }
    }

    /**
     * The 202 once the drop is on Kafka, or its refusal (the exception mappers answer it). The method returns at once: no
     * thread waits for Kafka's acknowledgement.
     */
    private static CompletionStage<Response> accepted(CompletableFuture<DropService.Accepted> accepted) {
        CompletableFuture<Response> response = new CompletableFuture<>();
        accepted.whenComplete((done, error) -> {
            if (error != null) {
                response.completeExceptionally(error);
            } else {
                response.complete(Response.status(202).entity(Map.of("id", done.value().id(), "replayed", done.replayed())).build());
            }
        });
        return response;
    }
}
