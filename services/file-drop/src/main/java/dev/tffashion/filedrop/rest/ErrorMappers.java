package dev.tffashion.filedrop.rest;

import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.tffashion.filedrop.DropRefusedException;
import dev.tffashion.filedrop.config.FileDropConfig;
import io.quarkus.runtime.configuration.MemorySize;

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
    FileDropConfig config;

    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    Optional<MemorySize> maxBodySize;

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status == 413) {
            return ApiError.response(413, "the request body is larger than the server accepts"
                    + maxBodySize.map(m -> " (" + m.asLongValue() + " bytes, quarkus.http.limits.max-body-size)").orElse(""),
                    "send a smaller file: pictures up to " + config.maxImageBytes() + " bytes, scripts up to " + config.maxScriptBytes()
                            + " bytes");
        }
        return ApiError.response(status, e.getMessage(), "check the request against the README's API section");
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("unexpected failure", e);
        return ApiError.response(500, "internal error: " + e.getMessage(), "see the file-drop log; nothing was accepted");
    }
}
