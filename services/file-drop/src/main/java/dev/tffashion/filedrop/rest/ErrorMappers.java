package dev.tffashion.filedrop.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.tffashion.filedrop.DropRefusedException;
import dev.tffashion.filedrop.DropService;
import io.vertx.core.http.HttpServerRequest;

/** Maps every failure of the API to a JSON {@link ApiError}, never an HTML page or a stack trace. */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response refused(DropRefusedException e) {
        return ApiError.response(e.status(), e.getMessage(), e.hint());
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return ApiError.response(404, "no such resource", "see GET /v1/pipeline and the README for the API");
    }

    @Inject
    DropService drops;

    /**
     * Read from the guard, created at startup, rather than injected here: this bean is created at the first failure it maps, on
     * whatever worker thread that is. Once, in UnansweredKafkaTest, injecting the setting here failed with the configuration not
     * found, and a 500 went out for the 503 being mapped. The cause is inferred, not proven: a worker thread started from a JDK
     * timer thread of an earlier Quarkus application in the same test JVM would carry that application's class loader. No test
     * reproduces it; reading the setting from a bean made at startup takes this bean's creation out of it either way.
     */
    @Inject
    DropGuard guard;

    /**
     * A 413 from the request stream: a body without Content-Length (chunked) that outgrew quarkus.http.limits.max-body-size before
     * the drop's own limit could be checked (a multipart upload: the parser reads it whole).
     */
    @ServerExceptionMapper
    public Response web(WebApplicationException e, HttpServerRequest request) {
        int status = e.getResponse().getStatus();
        if (status == 413) {
            String limit = guard.maxBodySize().map(m -> " (" + m.asLongValue() + " bytes, quarkus.http.limits.max-body-size)").orElse("");
            String task = WriteBodies.task(request.path());
            if (task == null) {
                return ApiError.response(413, "the request body is larger than the server accepts" + limit, "send a smaller request");
            }
            return ApiError.response(413, "the upload is larger than the server accepts" + limit + "; a " + DropService.what(task)
                    + " may have up to " + drops.limit(task) + " bytes", DropService.tooLargeHint(task)
                    + ", with quarkus.http.limits.max-body-size at least " + WriteBodies.MULTIPART_SLACK / 1024 + " KiB above it for the"
                    + " multipart envelope");
        }
        if (status == 405) {
            String task = WriteBodies.task(request.path());
            String what = request.method().name() + " is not allowed on " + request.path();
            if (task != null) {
                Response answer = ApiError.response(405, what + ": a " + DropService.what(task) + " is dropped with POST",
                        "curl --data-binary @" + DropService.exampleFile(task) + " http://localhost:8080/" + task
                                + " (or drop it on the page at /)");
                return Response.fromResponse(answer).header("Allow", "POST").build();
            }
            return ApiError.response(405, what, "the README's API section lists each path with its method; reads are GET");
        }
        return ApiError.response(status, e.getMessage(), "check the request against the README's API section");
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("unexpected failure", e);
        return ApiError.response(500, "internal error: " + e.getMessage(), "see the file-drop log; nothing was accepted");
    }
}
