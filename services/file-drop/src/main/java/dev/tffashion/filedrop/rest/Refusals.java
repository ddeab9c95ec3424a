package dev.tffashion.filedrop.rest;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.tffashion.filedrop.config.FileDropConfig;
import dev.tffashion.pipeline.Json;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * How the front door refuses a write before its resource runs ({@link DropGuard}, {@link WriteBodies}): the API's JSON error
 * shape, counted in {@code tffashion.drops.refused{task, reason}}, and a body still under way read and dropped before the
 * connection closes.
 */
@ApplicationScoped
public class Refusals {

    /** How long the body of a refused request is read and dropped before the connection closes. */
    static final Duration LINGER = Duration.ofSeconds(10);

    private static final Logger LOG = Logger.getLogger(Refusals.class);

    @Inject
    MeterRegistry registry;

    @Inject
    FileDropConfig config;

    /**
     * Answers the refusal at once.
     *
     * @param name the write, in the refusal counter (its task, "traces", "none")
     * @param reason the refusal, in the counter and the log ("too-large", ...)
     */
    void refuse(RoutingContext ctx, String name, int status, String reason, String error, String hint) {
        registry.counter("tffashion.drops.refused", "task", name, "reason", reason).increment();
        LOG.debugf("refused %s %s (%d %s): %s", ctx.request().method(), ctx.normalizedPath(), status, reason, error);
        HttpServerResponse response = ctx.response();
        response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        HttpServerRequest request = ctx.request();
        if (!request.isEnded()) {
            response.putHeader(HttpHeaders.CONNECTION, "close");
            if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
                // Java's HttpClient (17) hangs on a final answer with a body while it waits for 100 Continue (curl and
                // browsers read either): let it send, and discard what it sends.
                response.writeContinue();
            }
            ctx.addEndHandler(done -> discardThenClose(ctx));
        }
        response.end(Buffer.buffer(Json.toString(new ApiError(error, hint))));
    }

    /**
     * Refuses a write that finds no room in the upload memory ({@link UploadMemory}): 503 busy with Retry-After, nothing accepted.
     *
     * @param size what was counted: its declared bytes, or what had arrived of a body without Content-Length
     */
    void busy(RoutingContext ctx, WriteBodies.Rule rule, String size) {
        ctx.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
        refuse(ctx, rule.name(), 503, "busy", "file-drop is holding as many uploads as it has memory for (" + config.uploadMemoryMib()
                + " MiB, file-drop.upload-memory-mib); this " + rule.what() + " (" + size + ") found no room",
                "nothing was accepted; send it again in a moment" + (rule.task() != null
                        ? " (with the same Idempotency-Key a retry is safe), or send fewer large files at once" : ""));
    }

    /**
     * The body of a refused request is never stored: it is read and dropped until it ends or for {@link #LINGER} at most, then
     * the connection closes. Closing at once would reset the connection while the client still sends, and clients that only
     * read the answer after sending (most do) would lose it.
     */
    private static void discardThenClose(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        HttpConnection connection = request.connection();
        long timer = ctx.vertx().setTimer(LINGER.toMillis(), t -> connection.close());
        request.handler(ignored -> {
        });
        request.exceptionHandler(ignored -> {
        });
        request.endHandler(ended -> {
            ctx.vertx().cancelTimer(timer);
            connection.close();
        });
        request.resume();
    }
}
