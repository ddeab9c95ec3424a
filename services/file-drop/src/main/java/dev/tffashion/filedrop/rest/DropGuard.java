package dev.tffashion.filedrop.rest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.tffashion.filedrop.config.FileDropConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The front door's guard, run on every HTTP request before any body is read: writes (every method but GET, HEAD and OPTIONS)
 * need the bearer token when {@code file-drop.token} is set (401), browsers may not write cross-site unless CORS allows it
 * (403), a declared body larger than the write's limit is refused at once (413: {@link WriteBodies#rule}), a write that finds no
 * room in the upload memory is busy (503), and one whose body does not arrive within file-drop.upload-timeout gets 408. A write
 * let in has its raw body read on the event loop ({@link WriteBodies#read}); multipart drops are left to Quarkus' form parser.
 * Refusals use the API's JSON error shape ({@link Refusals}).
 */
@ApplicationScoped
public class DropGuard {

    /** After Quarkus' CORS filter (order -300), so that refusals carry its headers; before the body-size guard (order -2). */
    static final int ORDER = -250;

    /** Just after Quarkus' body-size guard (order -2), which sets {@link #STREAM_LIMIT_KEY} for bodies without a length. */
    static final int AFTER_SIZE_GUARD = -1;

    /** Where Quarkus leaves the body limit for the request stream (VertxInputStream.MAX_REQUEST_SIZE_KEY). */
    static final String STREAM_LIMIT_KEY = "io.quarkus.max-request-size";

    private static final Logger LOG = Logger.getLogger(DropGuard.class);

    private static final String TOKEN_HINT = "send the token the file drop was started with (FILE_DROP_TOKEN) in the header "
            + "'Authorization: Bearer <token>', e.g. curl -H \"Authorization: Bearer $FILE_DROP_TOKEN\" --data-binary @garment.png "
            + "http://localhost:8080/imageInput; in the UI, enter it when the page asks";

    @Inject
    FileDropConfig config;

    @Inject
    UploadMemory memory;

    @Inject
    WriteBodies bodies;

    @Inject
    Refusals refusals;

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
        if (WriteBodies.task(ctx.normalizedPath()) != null && ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
            ctx.remove(STREAM_LIMIT_KEY);
        }
        ctx.next();
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
            long largest = Math.max(config.maxImageBytes(), config.maxScriptBytes()) + WriteBodies.MULTIPART_SLACK;
            if (max.asLongValue() < largest) {
                LOG.warnf("quarkus.http.limits.max-body-size (%d bytes) is below the largest drop limit plus the multipart envelope "
                        + "(%d bytes): raise it with file-drop.max-image-bytes / max-script-bytes", max.asLongValue(), largest);
            }
        });
    }

    /** quarkus.http.limits.max-body-size, as read when the guard was installed. */
    Optional<MemorySize> maxBodySize() {
        return maxBodySize;
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
        WriteBodies.Rule rule = bodies.rule(ctx.normalizedPath(), request);
        String site = request.getHeader("Sec-Fetch-Site");
        if (!corsEnabled && site != null && (site.equalsIgnoreCase("cross-site") || site.equalsIgnoreCase("same-site"))) {
            refusals.refuse(ctx, rule.name(), 403, "cross-site", "a page of another site (" + origin(request)
                    + ") may not drop files here", "open the UI of this file drop itself, or allow that origin with "
                            + "quarkus.http.cors.enabled=true and quarkus.http.cors.origins");
            return;
        }
        if (token().isPresent()) {
            String header = request.getHeader(HttpHeaders.AUTHORIZATION);
            String refusal = authorizationRefusal(header);
            if (refusal != null) {
                boolean presented = header != null && !header.isBlank();
                ctx.response().putHeader(HttpHeaderNames.WWW_AUTHENTICATE,
                        "Bearer realm=\"tf-fashion\"" + (presented ? ", error=\"invalid_token\"" : ""));
                refusals.refuse(ctx, rule.name(), 401, "unauthorized", refusal, TOKEN_HINT);
                return;
            }
        }
        String encoding = request.getHeader(HttpHeaders.CONTENT_ENCODING);
        if (rule.task() != null && encoding != null && !encoding.isBlank() && !encoding.strip().equalsIgnoreCase("identity")) {
            String shown = encoding.length() > 40 ? encoding.substring(0, 40) + "..." : encoding;
            refusals.refuse(ctx, rule.name(), 415, "content-encoding", "the " + rule.what() + " came with Content-Encoding: " + shown
                    + ", and drops are taken as the file itself, never decoded", "send the file without Content-Encoding (pictures in"
                            + " PNG or JPEG are compressed already): curl --data-binary @file");
            return;
        }
        Long declared = WriteBodies.declaredLength(request);
        long allowed = rule.limit() + (rule.multipart() ? WriteBodies.MULTIPART_SLACK : 0);
        if (declared != null && declared > allowed) {
            refusals.refuse(ctx, rule.name(), 413, "too-large", "the " + (rule.multipart() ? "upload" : rule.what()) + " is " + declared
                    + " bytes, more than the limit of " + rule.limit() + " bytes" + (rule.multipart() ? " for a " + rule.what() : ""),
                    rule.tooLargeHint());
            return;
        }
        // a raw body without Content-Length starts with room for its first bytes and grows it as it arrives (WriteBodies.read);
        // a form is parsed by Quarkus, so one without a length is counted at its limit
        long first = declared != null ? declared : rule.multipart() ? allowed : Math.min(allowed, WriteBodies.CHUNKED_START);
        UploadMemory.Reservation reservation = memory.tryReserve(first);
        if (reservation == null) {
            refusals.busy(ctx, rule, declared != null ? declared + " bytes" : "no Content-Length");
            return;
        }
        long timer = request.isEnded() ? -1 : ctx.vertx().setTimer(config.uploadTimeout().toMillis(),
                fired -> uploadTimedOut(ctx, rule, declared));
        Runnable stopTimer = () -> {
            if (timer >= 0) {
                ctx.vertx().cancelTimer(timer);
            }
        };
        ctx.addEndHandler(ended -> {
            reservation.release();
            stopTimer.run();
        });
        if (rule.multipart()) {
            ctx.next();
        } else {
            bodies.read(ctx, rule, declared, reservation, stopTimer);
        }
    }

    /** A write whose body has not fully arrived within file-drop.upload-timeout: 408, and its connection closes. */
    private void uploadTimedOut(RoutingContext ctx, WriteBodies.Rule rule, Long declared) {
        HttpServerRequest request = ctx.request();
        if (request.isEnded() || ctx.response().headWritten()) {
            return;
        }
        String what = rule.what();
        refusals.refuse(ctx, rule.name(), 408, "upload-timeout", "the " + what + " did not arrive within "
                + config.uploadTimeout().toSeconds() + " s (file-drop.upload-timeout): " + request.bytesRead() + " of "
                + (declared != null ? declared + " bytes" : "an unknown number of bytes (no Content-Length)") + " came",
                "nothing was accepted; send the " + what + " again over a faster or steadier connection, or raise "
                        + "file-drop.upload-timeout");
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
