package dev.tffashion.modelserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Int64Value;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.error.Code;
import tensorflow.serving.GetModelMetadata.GetModelMetadataRequest;
import tensorflow.serving.GetModelMetadata.GetModelMetadataResponse;
import tensorflow.serving.GetModelMetadata.SignatureDefMap;
import tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;

/**
 * TF Serving's REST API on the JDK's HTTP server: {@code GET /v1/models/{name}[/versions/{v}|/labels/{l}]}, the same with
 * {@code /metadata}, and {@code POST ...:predict} with {@code instances} (row format) or {@code inputs} (columnar format).
 */
final class RestApi {

    private static final Logger LOG = Logger.getLogger(RestApi.class.getName());
    private static final Pattern ROUTE = Pattern.compile(
        "^/v1/models/([^/:]+)(?:/versions/(\\d{1,18})|/labels/([^/:]+))?(/metadata|:predict|:classify|:regress)?$");
    private static final JsonFormat.Printer PROTO_JSON = JsonFormat.printer()
        .preservingProtoFieldNames()
        .alwaysPrintFieldsWithNoPresence();

    private final ModelRegistry registry;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService executor;

    RestApi(ModelRegistry registry, String host, int port, int threads) throws IOException {
        this.registry = registry;
        this.server = HttpServer.create(new InetSocketAddress(host, port), 128);
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "model-server-rest-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    void start() {
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    void stop() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            int status = 200;
            JsonNode body;
            try {
                body = route(method, path, exchange);
            } catch (ServingException e) {
                status = httpStatus(e.code());
                body = error(e.getMessage());
            } catch (HttpError e) {
                status = e.status;
                body = error(e.getMessage());
            } catch (JsonProcessingException e) {
                status = 400;
                body = error("The request body is not valid JSON: " + e.getOriginalMessage());
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, method + " " + path + " failed unexpectedly", e);
                status = 500;
                body = error(method + " " + path + " failed: " + e);
            }
            byte[] bytes = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private JsonNode route(String method, String path, HttpExchange exchange) throws IOException {
        Matcher m = ROUTE.matcher(path);
        if (!m.matches()) {
            throw new HttpError(404, "Malformed request: " + method + " " + path + " (TF Serving's REST API is"
                + " /v1/models/{name}[/versions/{version}|/labels/{label}][/metadata|:predict])");
        }
        ModelSpec.Builder spec = ModelSpec.newBuilder().setName(m.group(1));
        if (m.group(2) != null) {
            spec.setVersion(Int64Value.of(Long.parseLong(m.group(2))));
        } else if (m.group(3) != null) {
            spec.setVersionLabel(m.group(3));
        }
        String action = m.group(4) == null ? "" : m.group(4);
        boolean post = action.startsWith(":");
        if (!method.equals(post ? "POST" : "GET")) {
            throw new HttpError(405, "Method " + method + " is not allowed on " + path + "; use " + (post ? "POST" : "GET"));
        }
        return switch (action) {
            case "" -> proto(registry.status(GetModelStatusRequest.newBuilder().setModelSpec(spec).build()));
            case "/metadata" -> metadata(spec.build());
            case ":predict" -> predict(spec.build(), exchange.getRequestBody().readAllBytes());
            default -> throw ServingException.unimplemented(action.substring(1) + " is not implemented by this model server;"
                + " use :predict");
        };
    }

    private JsonNode metadata(ModelSpec spec) throws InvalidProtocolBufferException, JsonProcessingException {
        GetModelMetadataResponse response = registry.metadata(GetModelMetadataRequest.newBuilder()
            .setModelSpec(spec)
            .addMetadataField(ModelRegistry.SIGNATURE_DEF)
            .build());
        ObjectNode body = json.createObjectNode();
        body.set("model_spec", proto(response.getModelSpec()));
        SignatureDefMap signatures = response.getMetadataOrThrow(ModelRegistry.SIGNATURE_DEF).unpack(SignatureDefMap.class);
        body.putObject("metadata").set(ModelRegistry.SIGNATURE_DEF, proto(signatures));
        return body;
    }

    private JsonNode predict(ModelSpec spec, byte[] requestBody) throws IOException {
        JsonNode request = json.readTree(requestBody);
        if (request == null || !request.isObject()) {
            throw ServingException.invalidArgument("The request body must be a JSON object with \"instances\" or \"inputs\"");
        }
        boolean rows = request.has("instances");
        if (rows && request.has("inputs")) {
            throw ServingException.invalidArgument("The request has both \"instances\" and \"inputs\"; send one: instances"
                + " (row format) or inputs (columnar format)");
        }
        if (!rows && !request.has("inputs")) {
            throw ServingException.invalidArgument("Missing \"inputs\" or \"instances\" key in the request body");
        }
        String signatureName = request.path("signature_name").asText("");
        LoadedVersion version = registry.acquire(spec);
        try {
            SignatureDef signature = version.signature(signatureName);
            Map<String, TensorProto> inputs = rows
                ? rowInputs(request.get("instances"), signature) : columnInputs(request.get("inputs"), signature);
            PredictResponse response = version.predict(PredictRequest.newBuilder()
                .setModelSpec(spec.toBuilder().setSignatureName(signatureName))
                .putAllInputs(inputs)
                .build());
            ObjectNode body = json.createObjectNode();
            if (rows) {
                body.set("predictions", rowOutputs(response));
            } else if (response.getOutputsCount() == 1) {
                body.set("outputs", JsonTensors.toJson(response.getOutputsMap().values().iterator().next()));
            } else {
                ObjectNode outputs = body.putObject("outputs");
                new TreeSet<>(response.getOutputsMap().keySet())
                    .forEach(name -> outputs.set(name, JsonTensors.toJson(response.getOutputsOrThrow(name))));
            }
            return body;
        } finally {
            version.release();
        }
    }

    private static Map<String, TensorProto> rowInputs(JsonNode instances, SignatureDef signature) {
        if (!instances.isArray()) {
            throw ServingException.invalidArgument("\"instances\" must be a list with one element per instance");
        }
        if (instances.isEmpty()) {
            throw ServingException.invalidArgument("\"instances\" is empty: send at least one instance");
        }
        Map<String, TensorProto> inputs = new LinkedHashMap<>();
        if (!isNamed(instances.get(0))) {
            String alias = onlyInput(signature, "instances");
            inputs.put(alias, JsonTensors.fromJson(alias, instances, dtype(signature, alias)));
            return inputs;
        }
        Map<String, ArrayNode> columns = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        instances.get(0).fieldNames().forEachRemaining(names::add);
        for (int i = 0; i < instances.size(); i++) {
            JsonNode instance = instances.get(i);
            List<String> these = new ArrayList<>();
            if (isNamed(instance)) {
                instance.fieldNames().forEachRemaining(these::add);
            }
            if (!new TreeSet<>(these).equals(new TreeSet<>(names))) {
                throw ServingException.invalidArgument("instance " + i + " names inputs " + these + " but instance 0 names "
                    + names + ": every instance must name the same inputs");
            }
            for (String name : names) {
                columns.computeIfAbsent(name, k -> JsonNodeFactory.instance.arrayNode()).add(instance.get(name));
            }
        }
        columns.forEach((name, column) -> inputs.put(name, JsonTensors.fromJson(name, column, dtype(signature, name))));
        return inputs;
    }

    private static Map<String, TensorProto> columnInputs(JsonNode value, SignatureDef signature) {
        Map<String, TensorProto> inputs = new LinkedHashMap<>();
        if (isNamed(value)) {
            Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                inputs.put(field.getKey(), JsonTensors.fromJson(field.getKey(), field.getValue(), dtype(signature, field.getKey())));
            }
        } else {
            String alias = onlyInput(signature, "inputs");
            inputs.put(alias, JsonTensors.fromJson(alias, value, dtype(signature, alias)));
        }
        return inputs;
    }

    private static boolean isNamed(JsonNode value) {
        return value.isObject() && !value.has("b64");
    }

    private static String onlyInput(SignatureDef signature, String key) {
        if (signature.getInputsCount() != 1) {
            throw ServingException.invalidArgument("The signature has inputs " + new TreeSet<>(signature.getInputsMap().keySet())
                + ": \"" + key + "\" must name each of them, e.g. {\"" + key + "\": ...{\"name\": value}}");
        }
        return signature.getInputsMap().keySet().iterator().next();
    }

    private static DataType dtype(SignatureDef signature, String alias) {
        TensorInfo info = signature.getInputsMap().get(alias);
        return info == null ? DataType.DT_FLOAT : info.getDtype();
    }

    private static JsonNode rowOutputs(PredictResponse response) {
        List<String> names = new ArrayList<>(new TreeSet<>(response.getOutputsMap().keySet()));
        Map<String, JsonNode> tensors = new LinkedHashMap<>();
        long batch = -1;
        for (String name : names) {
            TensorProto tensor = response.getOutputsOrThrow(name);
            if (tensor.getTensorShape().getDimCount() == 0) {
                throw ServingException.invalidArgument("output '" + name + "' is a scalar, which the row format cannot split"
                    + " into instances; send \"inputs\" (columnar format) instead");
            }
            long size = tensor.getTensorShape().getDim(0).getSize();
            if (batch >= 0 && size != batch) {
                throw ServingException.invalidArgument("outputs have different batch sizes (" + batch + " and " + size
                    + " for '" + name + "'); send \"inputs\" (columnar format) instead");
            }
            batch = size;
            tensors.put(name, JsonTensors.toJson(tensor));
        }
        ArrayNode predictions = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < batch; i++) {
            if (names.size() == 1) {
                predictions.add(tensors.get(names.get(0)).get(i));
            } else {
                ObjectNode row = predictions.addObject();
                for (String name : names) {
                    row.set(name, tensors.get(name).get(i));
                }
            }
        }
        return predictions;
    }

    private JsonNode proto(MessageOrBuilder message) throws InvalidProtocolBufferException, JsonProcessingException {
        return json.readTree(PROTO_JSON.print(message));
    }

    private ObjectNode error(String message) {
        return json.createObjectNode().put("error", message);
    }

    /** The HTTP status TF Serving's REST API answers for a status code. */
    static int httpStatus(Code code) {
        return switch (code) {
            case OK -> 200;
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, ABORTED -> 409;
            case RESOURCE_EXHAUSTED -> 429;
            case CANCELLED -> 499;
            case UNIMPLEMENTED -> 501;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            default -> 500;
        };
    }

    /** An HTTP-level failure (no route, wrong method). */
    private static final class HttpError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;

        HttpError(int status, String message) {
            super(message);
            this.status = status;
        }
    }
}
