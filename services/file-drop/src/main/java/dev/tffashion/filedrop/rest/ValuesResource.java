package dev.tffashion.filedrop.rest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
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
import dev.tffashion.imaging.ModelInput;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.SourceInput;
import dev.tffashion.pipeline.contracts.ImageFileValue;
import dev.tffashion.pipeline.contracts.PredictionValue;
import dev.tffashion.pipeline.contracts.TensorValue;
import dev.tffashion.pipeline.graph.ValueType;
import dev.tffashion.pipeline.store.ContentIntegrityException;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.ContentStoreException;
import dev.tffashion.pipeline.store.Contents;
import io.smallrye.common.annotation.Blocking;

/**
 * {@code /v1/values}: the annotated values of the pipeline, their content (verified), the 28x28 preview of tensors and
 * predictions, and their lineage.
 */
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
            String name = value.annotation(ImageFileValue.FILE_NAME);
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

    /**
     * The 28x28 PNG the model saw, rendered here from the tensor's values (libs/imaging's {@code ModelInput.previewPng}: no preview
     * travels on the hot path; a tensor written before that carries it as an annotation, which is served as it is): for a tensor,
     * its preview; for a prediction, the preview of the tensor its lineage names.
     */
    @GET
    @Path("{id}/preview")
    @Produces("image/png")
    public Response preview(@PathParam("id") String id) {
        AnnotatedValue value = find(id);
        if (ValueType.PREDICTION.wireName().equals(value.type())) {
            String tensorId = value.sourceIds(PredictionValue.TENSOR_INPUT).stream().findFirst()
                    .orElseThrow(() -> new DropRefusedException(404, "no-preview", "prediction " + id + " names no tensor in its lineage",
                            "GET /v1/values/" + id + "/lineage shows what it was made from"));
            value = find(tensorId);
        }
        if (!ValueType.TENSOR.wireName().equals(value.type())) {
            throw new DropRefusedException(404, "no-preview", "value " + value.id() + " is a " + value.type()
                    + "; only tensors (and the predictions made from them) have a 28x28 preview", "ask for a tensor or a prediction");
        }
        String carried = value.annotation(TensorValue.PREVIEW_PNG);
        byte[] png;
        if (carried != null) {
            png = Base64.getDecoder().decode(carried);
        } else {
            TensorValue tensor;
            try {
                tensor = TensorValue.from(value, store);
            } catch (MalformedValueException e) {
                throw new DropRefusedException(500, "unreadable-tensor", "tensor " + value.id() + " cannot be read: " + e.getMessage(),
                        "its record is at /v1/values/" + value.id());
            }
            if (!Arrays.equals(tensor.shape(), new int[] {ModelInput.SIDE, ModelInput.SIDE})) {
                throw new DropRefusedException(404, "no-preview", "tensor " + value.id() + " has shape " + TensorValue.dims(tensor.shape())
                        + "; a preview is drawn for 28x28 pictures only", "its values are at /v1/values/" + value.id() + "/content");
            }
            png = ModelInput.previewPng(tensor.values());
        }
        return Response.ok(png, "image/png").header("Cache-Control", "public, max-age=86400, immutable")
                .build();
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
