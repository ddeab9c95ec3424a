package dev.tffashion.filedrop.rest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.tffashion.filedrop.DropService;
import dev.tffashion.filedrop.config.FileDropConfig;
import dev.tffashion.filedrop.config.TracesConfig;
import dev.tffashion.pipeline.Json;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The front door's guard, run on every HTTP request before any body is read: writes (every method but GET, HEAD and OPTIONS)
 * need the bearer token when {@code file-drop.token} is set (401), browsers may not write cross-site unless CORS allows it
 * (403), a declared body larger than the write's limit is refused at once (413: a drop's task limit, an OTLP export's, any
 * other write's), a write that finds no room in the upload memory is busy (503), and one whose body does not arrive within
 * file-drop.upload-timeout gets 408. Every raw body is read here, on the event loop, and handed to the resource whole
 * ({@link #body}), so that no thread waits for a slow client; multipart drops are left to Quarkus' form parser. Refusals use
 * the API's JSON error shape.
 */
@ApplicationScoped
public class DropGuard {

    /** After Quarkus' CORS filter (order -300), so that refusals carry its headers; before the body-size guard (order -2). */
    static final int ORDER = -250;

    /** Just after Quarkus' body-size guard (order -2), which sets {@link #STREAM_LIMIT_KEY} for bodies without a length. */
    static final int AFTER_SIZE_GUARD = -1;

    /** Where Quarkus leaves the body limit for the request stream (VertxInputStream.MAX_REQUEST_SIZE_KEY). */
    static final String STREAM_LIMIT_KEY = "io.quarkus.max-request-size";

    /** Where the guard leaves a write's raw body, read whole, for its resource ({@link #body}). */
    static final String BODY_KEY = "tf-fashion.request-body";

    /** The OTLP receiver's path: its exports have their own limit (file-drop.traces.max-export-bytes). */
    static final String TRACES_PATH = "/v1/traces";

    /** The first capacity of a body without Content-Length (it grows as it arrives, up to the task's limit). */
    private static final int CHUNKED_START = 64 * 1024;

    /** How long the body of a refused request is read and dropped before the connection closes. */
    static final Duration LINGER = Duration.ofSeconds(10);

    /** Room for the multipart envelope (boundaries, part headers) around a file of exactly the limit. */
    static final long MULTIPART_SLACK = 64 * 1024;

    private static final Logger LOG = Logger.getLogger(DropGuard.class);

    private static final String TOKEN_HINT = "send the token the file drop was started with (FILE_DROP_TOKEN) in the header "
            + "'Authorization: Bearer <token>', e.g. curl -H \"Authorization: Bearer $FILE_DROP_TOKEN\" --data-binary @garment.png "
            + "http://localhost:8080/imageInput; in the UI, enter it when the page asks";

    @Inject
    FileDropConfig config;

    @Inject
    DropService drops;

    @Inject
    TracesConfig traces;

    @Inject
    UploadMemory memory;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "quarkus.http.cors.enabled", defaultValue = "false")
    boolean corsEnabled;

    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    Optional<MemorySize> maxBodySize;

    private byte[] tokenDigest;

    void install(@Observes Router router) {
        router.route().order(ORDER).handler(this::handle);
        router.route().order(AFTER_SIZE_GUARD).handler(this::unlimitChunkedDrops);
    }

    /**
     * For a drop without Content-Length, Quarkus' size guard leaves a limit for the body stream, which answers 413 with an empty
     * body when it is reached. The drops enforce their limits themselves, in JSON (the guard's raw reader at the task's limit, the
     * multipart parser at quarkus.http.limits.max-body-size): take the stream's limit away for the drop paths only.
     */
    void unlimitChunkedDrops(RoutingContext ctx) {
        if (task(ctx.normalizedPath()) != null && ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
            ctx.remove(STREAM_LIMIT_KEY);
        }
        ctx.next();
    }

    /** The raw body of a write (a drop, an OTLP export, a replay request), read whole by the guard before the resource runs. */
    public static byte[] body(RoutingContext ctx) {
        Buffer body = ctx.get(BODY_KEY);
        if (body == null) {
            throw new IllegalStateException("the request's body was not read by the guard (rest/DropGuard)");
        }
        return body.getBytes();
    }

    void announce(@Observes StartupEvent start) {
        if (token().isEmpty()) {
            LOG.warn("drops are open: anyone who reaches this port can POST /scriptInput and /imageInput (training runs, pictures);"
                    + " set FILE_DROP_TOKEN to require 'Authorization: Bearer <token>'");
        } else {
            LOG.infof("drops need 'Authorization: Bearer <token>' (file-drop.token is set, %d characters)", token().get().length());
            if (token().get().length() < 16) {
                LOG.warn("file-drop.token is shorter than 16 characters: use a long random one (e.g. openssl rand -hex 32)");
            }
        }
        LOG.infof("CORS %s; cross-site writes from browsers are %s", corsEnabled ? "enabled (quarkus.http.cors.*)" : "closed",
                corsEnabled ? "left to the CORS filter's origins" : "refused (403)");
        maxBodySize.ifPresent(max -> {
            long largest = Math.max(config.maxImageBytes(), config.maxScriptBytes()) + MULTIPART_SLACK;
            if (max.asLongValue() < largest) {
                LOG.warnf("quarkus.http.limits.max-body-size (%d bytes) is below the largest drop limit plus the multipart envelope "
                        + "(%d bytes): raise it with file-drop.max-image-bytes / max-script-bytes", max.asLongValue(), largest);
            }
        });
    }

    private Optional<String> token() {
        return config.token().map(String::strip).filter(t -> !t.isEmpty());
    }

    private byte[] tokenDigest() {
        if (tokenDigest == null) {
            tokenDigest = sha256(token().orElseThrow());
        }
        return tokenDigest;
    }

    void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        HttpMethod method = request.method();
        if (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS) {
            ctx.next();
            return;
        }
        String task = task(ctx.normalizedPath());
        Body body = body(ctx.normalizedPath(), request);
        String site = request.getHeader("Sec-Fetch-Site");
        if (!corsEnabled && site != null && (site.equalsIgnoreCase("cross-site") || site.equalsIgnoreCase("same-site"))) {
            refuse(ctx, body.name(), 403, "cross-site", "a page of another site (" + origin(request) + ") may not drop files here",
                    "open the UI of this file drop itself, or allow that origin with quarkus.http.cors.enabled=true and "
                            + "quarkus.http.cors.origins");
            return;
        }
        if (token().isPresent()) {
            String header = request.getHeader(HttpHeaders.AUTHORIZATION);
            String refusal = authorizationRefusal(header);
            if (refusal != null) {
                boolean presented = header != null && !header.isBlank();
                ctx.response().putHeader(HttpHeaderNames.WWW_AUTHENTICATE,
                        "Bearer realm=\"tf-fashion\"" + (presented ? ", error=\"invalid_token\"" : ""));
                refuse(ctx, body.name(), 401, "unauthorized", refusal, TOKEN_HINT);
                return;
            }
        }
        Long declared = declaredLength(request);
        long allowed = body.limit() + (body.multipart() ? MULTIPART_SLACK : 0);
        if (declared != null && declared > allowed) {
            refuse(ctx, body.name(), 413, "too-large", "the " + (body.multipart() ? "upload" : body.what()) + " is " + declared
                    + " bytes, more than the limit of " + body.limit() + " bytes" + (body.multipart() ? " for a " + body.what() : ""),
                    body.tooLargeHint());
            return;
        }
        Runnable release = memory.tryReserve(declared != null ? declared : allowed);
        if (release == null) {
            ctx.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
            refuse(ctx, body.name(), 503, "busy", "file-drop is holding as many uploads as it has memory for (" + config.uploadMemoryMib()
                    + " MiB, file-drop.upload-memory-mib); this " + body.what() + " (" + (declared != null ? declared + " bytes"
                    : "no Content-Length: counted at its limit") + ") found no room", "nothing was accepted; send it again in a moment"
                    + (task != null ? " (with the same Idempotency-Key a retry is safe), or send fewer large files at once" : ""));
            return;
        }
        long timer = request.isEnded() ? -1 : ctx.vertx().setTimer(config.uploadTimeout().toMillis(),
                fired -> uploadTimedOut(ctx, body, declared));
        Runnable stopTimer = () -> {
            if (timer >= 0) {
                ctx.vertx().cancelTimer(timer);
            }
        };
        ctx.addEndHandler(ended -> {
            release.run();
            stopTimer.run();
        });
        if (body.multipart()) {
            ctx.next();
        } else {
            readRawBody(ctx, body, declared, stopTimer);
        }
    }

    /**
     * What a write's body may be: a drop's (its task's limit; multipart is left to Quarkus' form parser), an OTLP export's, or
     * any other write's (file-drop.max-request-bytes).
     */
    private Body body(String path, HttpServerRequest request) {
        String task = task(path);
        if (task != null) {
            String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
            if (type == null || type.isBlank()) {
                request.headers().set(HttpHeaders.CONTENT_TYPE, "application/octet-stream");
                type = "application/octet-stream";
            }
            return new Body(task, DropService.what(task), drops.limit(task), type.toLowerCase(Locale.ROOT).startsWith("multipart/"),
                    DropService.tooLargeHint(task));
        }
        if (TRACES_PATH.equals(trimmed(path))) {
            return new Body("traces", "trace export", traces.maxExportBytes(), false, TracesConfig.TOO_LARGE_HINT);
        }
        return new Body("none", "request body", config.maxRequestBytes(), false, "the API's writes take small JSON documents (a replay "
                + "request, a rollout command): send only the fields the request needs, or raise file-drop.max-request-bytes");
    }

    /**
     * Reads a write's body here, on the event loop, as it arrives (at most its limit: 413 beyond it), then passes the request on
     * with the body in {@link #BODY_KEY}. A body read by the resource would hold a worker thread while it arrives: 250 clients
     * sending one byte every 10 s held all of them, and every drop and health check then waited.
     */
    private void readRawBody(RoutingContext ctx, Body rule, Long declared, Runnable stopTimer) {
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
                refuse(ctx, rule.name(), 413, "too-large", "the " + rule.what() + " is more than the limit of " + limit + " bytes",
                        rule.tooLargeHint());
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(e -> LOG.debugf("the body of a %s write broke off after %d bytes: %s", rule.name(), body.length(), e));
        request.endHandler(ended -> {
            stopTimer.run();
            if (!ctx.response().ended()) {
                ctx.put(BODY_KEY, body);
                ctx.next();
            }
        });
        request.resume();
    }

    /** A write whose body has not fully arrived within file-drop.upload-timeout: 408, and its connection closes. */
    private void uploadTimedOut(RoutingContext ctx, Body body, Long declared) {
        HttpServerRequest request = ctx.request();
        if (request.isEnded() || ctx.response().headWritten()) {
            return;
        }
        String what = body.what();
        refuse(ctx, body.name(), 408, "upload-timeout", "the " + what + " did not arrive within " + config.uploadTimeout().toSeconds()
                + " s (file-drop.upload-timeout): " + request.bytesRead() + " of " + (declared != null ? declared + " bytes"
                : "an unknown number of bytes (no Content-Length)") + " came", "nothing was accepted; send the " + what
                + " again over a faster or steadier connection, or raise file-drop.upload-timeout");
    }

    /** Null when the header carries the configured token, else what is wrong with it. */
    private String authorizationRefusal(String header) {
        if (header == null || header.isBlank()) {
            return "this file drop needs a bearer token, and the request has no Authorization header";
        }
        String value = header.strip();
        if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return "this file drop needs a bearer token, and the Authorization header is not 'Bearer <token>'";
        }
        byte[] presented = sha256(value.substring(7).strip());
        return MessageDigest.isEqual(presented, tokenDigest()) ? null : "the bearer token is wrong";
    }

    private void refuse(RoutingContext ctx, String name, int status, String reason, String error, String hint) {
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

    /**
     * What a write's body may be: its name in the refusal counter, what answers call it, its limit, whether it is multipart (a
     * drop's form, parsed by Quarkus), and how to get under the limit.
     */
    private record Body(String name, String what, long limit, boolean multipart, String tooLargeHint) {
    }

    /** The drop task a request path names ({@code /imageInput}, {@code /scriptInput}), else null. */
    static String task(String path) {
        return switch (trimmed(path)) {
            case "/scriptInput" -> "scriptInput";
            case "/imageInput" -> "imageInput";
            default -> null;
        };
    }

    private static String trimmed(String path) {
        return path == null ? "" : path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static Long declaredLength(HttpServerRequest request) {
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

    private static String origin(HttpServerRequest request) {
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        return origin == null ? "unknown origin" : origin.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
