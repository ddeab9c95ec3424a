package dev.tffashion.filedrop.rest;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

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
import dev.tffashion.filedrop.ScriptCheck;
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
    public CompletionStage<Response> scriptMultipart(@RestForm("file") FileUpload file, @RestForm(FileUpload.ALL) List<FileUpload> all,
            @HeaderParam("Idempotency-Key") String key) {
        return multipart("scriptInput", file, all, key);
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
    public CompletionStage<Response> imageMultipart(@RestForm("file") FileUpload file, @RestForm(FileUpload.ALL) List<FileUpload> all,
            @HeaderParam("Idempotency-Key") String key) {
        return multipart("imageInput", file, all, key);
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
        boolean form = isFormEncoded(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE));
        if (form && "scriptInput".equals(task) && ScriptCheck.flattened(bytes)) {
            throw new DropRefusedException(400, "flattened", "the script came on one line, without line breaks (" + bytes.length
                    + " bytes, sent as application/x-www-form-urlencoded): curl -d @file removes a file's line breaks, and a recipe or"
                    + " a script without them means something else", "send the file as it is: curl --data-binary @"
                            + DropService.exampleFile(task) + " http://localhost:8080/" + task);
        }
        try (Scope client = tracing.requestScope(headers::getHeaderString)) {
            CompletableFuture<DropService.Accepted> dropped = drops.drop(task, bytes, FileNames.sanitize(name), key);
            return accepted(form && "imageInput".equals(task) ? dropped.exceptionallyCompose(DropResource::formEncodedHint) : dropped);
        }
    }

    /** {@code curl -d} sends a file as {@code application/x-www-form-urlencoded}, and removes its CR and LF bytes on the way. */
    static boolean isFormEncoded(String contentType) {
        return contentType != null && contentType.strip().toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
    }

    /**
     * A picture refused for its content (415 not a picture, 422 damaged or cut short) that came form-encoded was most likely sent
     * with {@code curl -d @file}, which removes the bytes of line breaks from the file and so damages any picture: say so.
     */
    private static CompletableFuture<DropService.Accepted> formEncodedHint(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof DropRefusedException refused && (refused.status() == 415 || refused.status() == 422)) {
            return CompletableFuture.failedFuture(new DropRefusedException(refused.status(), refused.reason(), refused.getMessage(),
                    "it came as application/x-www-form-urlencoded, as curl -d sends it, and curl -d @file removes the file's"
                            + " line-break bytes, which damages a picture: send it with curl --data-binary @"
                            + DropService.exampleFile("imageInput") + " http://localhost:8080/imageInput"));
        }
        return CompletableFuture.failedFuture(cause);
    }

    /**
     * A multipart drop is one file: the part named {@code file} (with a file name, or its content given inline, {@code -F
     * file=<garment.png}), else the one part that carries a file name, whatever it is called. A form with several files is
     * refused whole, nothing accepted: taking one of them would lose the others without a word.
     */
    private CompletionStage<Response> multipart(String task, FileUpload named, List<FileUpload> all, String key) {
        List<FileUpload> files = all == null ? List.of() : all;
        boolean namedIsAmongFiles = files.stream().anyMatch(f -> "file".equals(f.name()));
        int count = files.size() + (named != null && !namedIsAmongFiles ? 1 : 0);
        String example = "curl -F file=@" + DropService.exampleFile(task) + " http://localhost:8080/" + task;
        if (count > 1) {
            throw new DropRefusedException(400, "several-files", "the multipart request carries " + count + " files ("
                    + files.stream().map(DropResource::describe).collect(Collectors.joining(", ")) + "); a drop is one "
                    + DropService.what(task) + ", and none of these was accepted", "send one request per file: " + example);
        }
        FileUpload file = named != null ? named : files.isEmpty() ? null : files.get(0);
        if (file == null) {
            throw new DropRefusedException(400, "no-file", "the multipart request carries no file: no part named 'file', and no part"
                    + " with a file name", "send it as: " + example);
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

    private static String describe(FileUpload file) {
        String name = FileNames.sanitize(file.fileName());
        String part = file.name() == null ? "" : file.name();
        return "part '" + (part.length() > 64 ? part.substring(0, 64) + "..." : part) + "'" + (name == null ? "" : " " + name);
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
