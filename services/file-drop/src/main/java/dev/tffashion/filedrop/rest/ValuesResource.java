package dev.tffashion.filedrop.rest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.tffashion.filedrop.DropRefusedException;
import dev.tffashion.filedrop.messaging.ValueIndex;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.SourceInput;
import dev.tffashion.pipeline.store.ContentIntegrityException;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.ContentStoreException;
import dev.tffashion.pipeline.store.Contents;
import io.smallrye.common.annotation.Blocking;

/** {@code /v1/values}: the annotated values of the pipeline, their content (verified) and their lineage. */
@Path("/v1/values")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class ValuesResource {

    private static final int MAX_LINEAGE_DEPTH = 16;

    @Inject
    ValueIndex index;

    @Inject
    ContentStore store;

    @GET
    public List<AnnotatedValue> recent(@QueryParam("task") String task, @QueryParam("limit") @DefaultValue("50") int limit) {
        return index.recent(task, Math.max(1, Math.min(limit, 1000)));
    }

    @GET
    @Path("{id}")
    public AnnotatedValue value(@PathParam("id") String id) {
        return find(id);
    }

    @GET
    @Path("{id}/content")
    @Produces(MediaType.WILDCARD)
    public Response content(@PathParam("id") String id) {
        AnnotatedValue value = find(id);
        try {
            byte[] bytes = Contents.read(store, value);
            Response.ResponseBuilder response = Response.ok(bytes, value.mediaType() == null ? "application/octet-stream"
                    : value.mediaType());
            String name = value.annotation("fileName");
            if (name != null) {
                response.header("Content-Disposition", "inline; filename=\"" + name.replace("\"", "") + "\"");
            }
            return response.header("X-Content-SHA256", value.sha256()).build();
        } catch (ContentIntegrityException e) {
            throw new DropRefusedException(500, "corrupted", e.getMessage(), "the stored content is damaged; drop the file again");
        } catch (ContentStoreException e) {
            throw new DropRefusedException(404, "content-missing", e.getMessage(),
                    "the value exists but its content is not in this store; check tf-fashion.store.root");
        }
    }

    /** The value and, recursively, the values it was made from: prediction → tensor → image, model → recipe. */
    @GET
    @Path("{id}/lineage")
    public Map<String, Object> lineage(@PathParam("id") String id) {
        return node(find(id), 0);
    }

    private Map<String, Object> node(AnnotatedValue value, int depth) {
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("value", value);
        List<Map<String, Object>> sources = new ArrayList<>();
        if (depth < MAX_LINEAGE_DEPTH) {
            for (SourceInput input : value.sourceInputs()) {
                for (String sourceId : input.ids()) {
                    Map<String, Object> source = index.get(sourceId).map(v -> node(v, depth + 1))
                            .orElseGet(() -> new LinkedHashMap<>(Map.of("id", sourceId, "missing", true)));
                    source.put("input", input.input());
                    sources.add(source);
                }
            }
        }
        node.put("sources", sources);
        return node;
    }

    private AnnotatedValue find(String id) {
        return index.get(id).orElseThrow(() -> new DropRefusedException(404, "unknown-value", "no value with id " + id
                + (index.caughtUp() ? "" : " (the index is still reading Kafka; retry shortly)"),
                "use an id returned by a drop or listed by GET /v1/values"));
    }
}
