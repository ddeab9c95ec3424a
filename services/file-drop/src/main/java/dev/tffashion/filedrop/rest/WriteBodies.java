package dev.tffashion.filedrop.rest;

import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.tffashion.filedrop.DropService;
import dev.tffashion.filedrop.config.FileDropConfig;
import dev.tffashion.filedrop.config.TracesConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * The bodies of the API's writes: what each may be ({@link #rule}: a drop's task limit, an OTLP export's, any other write's), and
 * their reading on the event loop as they arrive ({@link #read}), so that no thread waits for a slow client. The resources take
 * the body read whole ({@link #body}), never from the request stream. {@link DropGuard} decides before the reading whether the
 * write may come in at all.
 */
@ApplicationScoped
public class WriteBodies {

    /** Where a write's raw body, read whole, waits for its resource ({@link #body}). */
    static final String BODY_KEY = "tf-fashion.request-body";

    /** The OTLP receiver's path: its exports have their own limit (file-drop.traces.max-export-bytes). */
    static final String TRACES_PATH = "/v1/traces";

    /** Room for the multipart envelope (boundaries, part headers) around a file of exactly the limit. */
    static final long MULTIPART_SLACK = 64 * 1024;

    /**
     * The first capacity, and the first room in the upload memory, of a body without Content-Length (both grow as it arrives, up
     * to the write's limit).
     */
    static final int CHUNKED_START = 64 * 1024;

    private static final Logger LOG = Logger.getLogger(WriteBodies.class);

    /**
     * What a write's body may be.
     *
     * @param task the drop task ({@code imageInput}, {@code scriptInput}), null for any other write
     * @param name the write in the refusal counter (the task, "traces", "none")
     * @param what what answers call the body ("picture", "trace export", "request body")
     * @param multipart a drop's form, parsed by Quarkus' form parser, not read here
     * @param tooLargeHint how to get under the limit
     */
    record Rule(String task, String name, String what, long limit, boolean multipart, String tooLargeHint) {
    }

    @Inject
    FileDropConfig config;

    @Inject
    DropService drops;

    @Inject
    TracesConfig traces;

    @Inject
    Refusals refusals;

    /** The raw body of a write (a drop, an OTLP export, a replay request), read whole before the resource runs. */
    public static byte[] body(RoutingContext ctx) {
        Buffer body = ctx.get(BODY_KEY);
        if (body == null) {
            throw new IllegalStateException("the request's body was not read by the guard (rest/WriteBodies)");
        }
        return body.getBytes();
    }

    /**
     * What the body of a write to this path may be. A drop without Content-Type is taken as {@code application/octet-stream}
     * (the request's header is set so).
     */
    Rule rule(String path, HttpServerRequest request) {
        String task = task(path);
        if (task != null) {
            String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
            if (type == null || type.isBlank()) {
                request.headers().set(HttpHeaders.CONTENT_TYPE, "application/octet-stream");
                type = "application/octet-stream";
            }
            return new Rule(task, task, DropService.what(task), drops.limit(task), type.toLowerCase(Locale.ROOT).startsWith("multipart/"),
                    DropService.tooLargeHint(task));
        }
        if (TRACES_PATH.equals(trimmed(path))) {
            return new Rule(null, "traces", "trace export", traces.maxExportBytes(), false, TracesConfig.TOO_LARGE_HINT);
        }
        return new Rule(null, "none", "request body", config.maxRequestBytes(), false, "the API's writes take small JSON documents (a "
                + "replay request, a rollout command): send only the fields the request needs, or raise file-drop.max-request-bytes");
    }

    /**
     * Reads a write's body here, on the event loop, as it arrives (at most its limit: 413 beyond it), then passes the request on
     * with the body in {@link #BODY_KEY}, after telling {@code arrived}. A body read by the resource would hold a worker thread
     * while it arrives: 250 clients sending one byte every 10 s held all of them, and every drop and health check then waited.
     * A body without Content-Length grows its {@code room} as it arrives, and is answered 503 busy when there is no more.
     */
    void read(RoutingContext ctx, Rule rule, Long declared, UploadMemory.Reservation room, Runnable arrived) {
        HttpServerRequest request = ctx.request();
        if (request.isEnded()) {
            ctx.put(BODY_KEY, Buffer.buffer(0));
            ctx.next();
            return;
        }
        if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
            ctx.response().writeContinue();
        }
        long limit = rule.limit();
        Buffer body = Buffer.buffer((int) Math.min(declared != null ? declared : CHUNKED_START, limit + 1));
        request.handler(chunk -> {
            if (ctx.response().ended()) {
                return;
            }
            if (body.length() + chunk.length() > limit) {
                refusals.refuse(ctx, rule.name(), 413, "too-large", "the " + rule.what() + " is more than the limit of " + limit
                        + " bytes", rule.tooLargeHint());
                return;
            }
            if (declared == null && !room.growTo(body.length() + chunk.length())) {
                refusals.busy(ctx, rule, "no Content-Length; " + (body.length() + chunk.length()) + " bytes so far");
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(e -> LOG.debugf("the body of a %s write broke off after %d bytes: %s", rule.name(), body.length(), e));
        request.endHandler(ended -> {
            arrived.run();
            if (!ctx.response().ended()) {
                ctx.put(BODY_KEY, body);
                ctx.next();
            }
        });
        request.resume();
    }

    /** The drop task a request path names ({@code /imageInput}, {@code /scriptInput}), else null. */
    static String task(String path) {
        return switch (trimmed(path)) {
            case "/scriptInput" -> "scriptInput";
            case "/imageInput" -> "imageInput";
            default -> null;
        };
    }

    /** The body's declared length (Content-Length), or null when it has none or it is not a number. */
    static Long declaredLength(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return null;
        }
        try {
            return Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String trimmed(String path) {
        return path == null ? "" : path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
