package dev.tffashion.modelserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Int64Value;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.error.Code;
import tensorflow.serving.Classification.ClassificationRequest;
import tensorflow.serving.GetModelMetadata.GetModelMetadataRequest;
import tensorflow.serving.GetModelMetadata.GetModelMetadataResponse;
import tensorflow.serving.GetModelMetadata.SignatureDefMap;
import tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;
import tensorflow.serving.RegressionOuterClass.RegressionRequest;

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

    private static final String REST = "REST";

    /** The most of a refused body that is read and dropped before the connection closes (see {@link #discard}). */
    private static final long DISCARD_LIMIT = 256L * 1024 * 1024;

    private final ModelRegistry registry;
    private final ServingMetrics metrics;
    private final String prometheusPath;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService executor;

    private final RestBodies bodies;
    private final boolean cors;

    RestApi(ModelRegistry registry, ServingMetrics metrics, String prometheusPath, String host, int port, int threads,
        RestBodies bodies, Duration timeout, boolean cors) throws IOException {
        this.registry = registry;
        this.bodies = bodies;
        this.cors = cors;
        this.metrics = metrics;
        this.prometheusPath = prometheusPath;
        RestTimeouts.apply(timeout);
        this.server = HttpServer.create(new InetSocketAddress(host, port), 128);
        this.executor = ModelServer.daemonPool("model-server-rest-", threads);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    void start() {
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    RestBodies bodies() {
        return bodies;
    }

    void stop() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            if (cors && allowOtherOrigins(exchange, method)) {
                return;
            }
            if (prometheusPath != null && path.equals(prometheusPath) && method.equals("GET")) {
                byte[] page = metrics.prometheus().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders(200, page.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(page);
                }
                return;
            }
            int status = 200;
            String body;
            try {
                body = route(method, path, exchange);
            } catch (ServingException e) {
                status = httpStatus(e.code());
                body = error(e.getMessage());
            } catch (HttpError e) {
                status = e.status;
                body = error(e.getMessage());
                if (status == 429) {
                    exchange.getResponseHeaders().set("Retry-After", "1");
                }
            } catch (JsonProcessingException e) {
                status = 400;
                body = error("The request body is not valid JSON: " + e.getOriginalMessage());
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, method + " " + path + " failed unexpectedly", e);
                status = 500;
                body = error(method + " " + path + " failed: " + e);
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /**
     * With --rest_api_enable_cors_support: lets a page from any origin read the answer ({@code Access-Control-Allow-Origin: *},
     * and {@code Retry-After} readable, which a 429 carries) and answers a CORS preflight at once: 204 with the methods the API
     * takes and the headers the browser asked to send. Nothing is allowed with credentials: the API has none.
     *
     * @return whether the request was a preflight, now answered
     */
    private static boolean allowOtherOrigins(HttpExchange exchange, String method) throws IOException {
        var headers = exchange.getResponseHeaders();
        headers.set("Access-Control-Allow-Origin", "*");
        headers.set("Access-Control-Expose-Headers", "Retry-After");
        if (!method.equals("OPTIONS")) {
            return false;
        }
        String asked = exchange.getRequestHeaders().getFirst("Access-Control-Request-Headers");
        headers.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        headers.set("Access-Control-Allow-Headers", asked == null || asked.isBlank() ? "Content-Type" : asked);
        headers.set("Access-Control-Max-Age", "600");
        exchange.sendResponseHeaders(204, -1);
        return true;
    }

    /** The answer's body: predict, classify and regress as TF Serving's json_tensor.cc writes them, the rest by Jackson. */
    private String route(String method, String path, HttpExchange exchange) throws IOException {
        Matcher m = ROUTE.matcher(path);
        if (!m.matches()) {
            throw new HttpError(404, "Malformed request: " + method + " " + path + " (TF Serving's REST API is"
                + " /v1/models/{name}[/versions/{version}|/labels/{label}][/metadata|:predict|:classify|:regress])");
        }
        String name = m.group(1);
        ModelSpec.Builder spec = ModelSpec.newBuilder().setName(name);
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
            case "" -> pretty(proto(registry.status(GetModelStatusRequest.newBuilder().setModelSpec(spec).build())));
            case "/metadata" -> pretty(metadata(spec.build()));
            case ":predict" -> withBody(exchange, body -> metrics.request(name, "Predict", REST, io(() -> predict(spec.build(), body))));
            case ":classify" -> withBody(exchange, body -> metrics.request(name, "Classify", REST, io(() -> classify(spec.build(), body))));
            default -> withBody(exchange, body -> metrics.request(name, "Regress", REST, io(() -> regress(spec.build(), body))));
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

    private String predict(ModelSpec spec, byte[] requestBody) throws IOException {
        JsonNode request = parse(requestBody);
        String signatureName = signatureName(request);
        JsonNode instances = request.get("instances");
        JsonNode inputs = request.get("inputs");
        LoadedVersion version = registry.acquire(spec);
        try {
            Map<String, TensorInfo> signatureInputs = version.signature(signatureName).getInputsMap();
            if (signatureInputs.isEmpty()) {
                throw ServingException.invalidArgument("Failed to get input map for signature: "
                    + (signatureName.isEmpty() ? "DEFAULT" : signatureName));
            }
            Map<String, TensorProto> tensors;
            if (instances != null) {
                if (inputs != null) {
                    throw ServingException.invalidArgument("JSON Value: " + request + " Not formatted correctly expecting only one of"
                        + " 'inputs' or 'instances' keys to exist ");
                }
                if (!instances.isArray()) {
                    throw ServingException.invalidArgument("JSON Value: " + request + " Excepting 'instances' to be an list/array");
                }
                if (instances.isEmpty()) {
                    throw ServingException.invalidArgument("JSON Value: " + request + " No values in 'instances' array");
                }
                tensors = JsonTensors.fromInstances(instances, signatureInputs);
            } else if (inputs != null) {
                tensors = JsonTensors.fromInputs(inputs, signatureInputs);
            } else {
                throw ServingException.invalidArgument("Missing 'inputs' or 'instances' key");
            }
            PredictResponse response = version.predict(PredictRequest.newBuilder()
                .setModelSpec(spec.toBuilder().setSignatureName(signatureName))
                .putAllInputs(tensors)
                .build());
            return instances != null ? JsonTensors.predictions(response.getOutputsMap()) : JsonTensors.outputs(response.getOutputsMap());
        } finally {
            version.release();
        }
    }

    private String classify(ModelSpec spec, byte[] requestBody) throws IOException {
        JsonNode request = parse(requestBody);
        ClassificationRequest classification = ClassificationRequest.newBuilder()
            .setModelSpec(spec.toBuilder().setSignatureName(signatureName(request)))
            .setInput(JsonTensors.examples(request))
            .build();
        return JsonTensors.classificationResults(registry.classify(classification).getResult());
    }

    private String regress(ModelSpec spec, byte[] requestBody) throws IOException {
        JsonNode request = parse(requestBody);
        RegressionRequest regression = RegressionRequest.newBuilder()
            .setModelSpec(spec.toBuilder().setSignatureName(signatureName(request)))
            .setInput(JsonTensors.examples(request))
            .build();
        return JsonTensors.regressionResults(registry.regress(regression).getResult());
    }

    /**
     * Reads the request's body within {@link RestBodies}' limits and runs {@code call} on it: 413 for a body over the limit
     * (declared, or found while reading one without Content-Length), 429 with Retry-After when the bodies being handled leave no
     * room for it (counted at its Content-Length, else at the limit).
     */
    private String withBody(HttpExchange exchange, Function<byte[], String> call) throws IOException {
        long max = bodies.maxBodyBytes();
        long declared = declaredLength(exchange);
        if (declared > max) {
            if (declared <= DISCARD_LIMIT) {
                discard(exchange);
            }
            throw new HttpError(413, tooLarge(declared + " bytes", max));
        }
        long room = bodies.tryReserve(declared >= 0 ? declared : max);
        if (room < 0) {
            discard(exchange);
            throw new HttpError(429, "The model server is holding as many request bodies as its heap allows (" + bodies.budgetBytes()
                + " bytes for bodies while they are parsed, " + RestBodies.PARSE_FACTOR + " times their size); nothing was run: send the"
                + " request again in a moment, or send fewer instances per request");
        }
        try {
            byte[] body = exchange.getRequestBody().readNBytes((int) Math.min(max + 1, Integer.MAX_VALUE - 8));
            if (body.length > max) {
                discard(exchange);
                throw new HttpError(413, tooLarge("more than " + max + " bytes", max));
            }
            return call.apply(body);
        } finally {
            bodies.release(room);
        }
    }

    /**
     * Reads the rest of a refused body and drops it, up to {@link #DISCARD_LIMIT}, so that the client can finish sending and
     * read the answer: the server reads 64 KiB of what is left when the exchange closes and then closes the connection, and a
     * client still sending (Java's HttpClient, without Expect: 100-continue) then saw a reset instead of the 413, or of the 429
     * that tells it to send again ("fixed content-length: 248, bytes received: 0" for a body of 629145 bytes). A body declared
     * larger than this limit is answered at once (curl, which sends Expect: 100-continue, reads the answer while it sends).
     */
    private static void discard(HttpExchange exchange) throws IOException {
        byte[] sink = new byte[64 * 1024];
        InputStream in = exchange.getRequestBody();
        long left = DISCARD_LIMIT;
        while (left > 0) {
            int n = in.read(sink, 0, (int) Math.min(sink.length, left));
            if (n < 0) {
                return;
            }
            left -= n;
        }
    }

    private static String tooLarge(String size, long max) {
        return "The request body (" + size + ") is larger than this model server takes: " + max + " bytes, a 32nd of its heap"
            + " (-Xmx); send fewer instances per request, use gRPC (tensors as bytes), or give the server more heap";
    }

    /** The request's Content-Length, or -1 when it has none (chunked) or it is not a number. */
    private static long declaredLength(HttpExchange exchange) {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length == null) {
            return -1;
        }
        try {
            return Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A REST handler that may fail reading or parsing the body. */
    private interface IoCall {
        String call() throws IOException;
    }

    /** The handler as a Supplier for the metrics: a body that is not JSON is INVALID_ARGUMENT, as in TF Serving. */
    private static Supplier<String> io(IoCall call) {
        return () -> {
            try {
                return call.call();
            } catch (JsonProcessingException e) {
                throw ServingException.invalidArgument("JSON Parse error: " + e.getOriginalMessage() + " at offset: "
                    + e.getLocation().getCharOffset());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    private JsonNode parse(byte[] body) throws IOException {
        if (body.length == 0) {
            throw ServingException.invalidArgument("JSON Parse error: The document is empty");
        }
        JsonNode request = json.readTree(body);
        if (request == null || !request.isObject()) {
            throw ServingException.invalidArgument("JSON Value: " + request + " Is not object");
        }
        return request;
    }

    private static String signatureName(JsonNode request) {
        JsonNode name = request.get("signature_name");
        if (name == null) {
            return "";
        }
        if (!name.isTextual()) {
            throw ServingException.invalidArgument("JSON Value: " + request + " not formatted correctly."
                + " 'signature_name' key must be a string value.");
        }
        return name.textValue();
    }

    private JsonNode proto(MessageOrBuilder message) throws InvalidProtocolBufferException, JsonProcessingException {
        return json.readTree(PROTO_JSON.print(message));
    }

    private String error(String message) throws JsonProcessingException {
        return pretty(json.createObjectNode().put("error", message));
    }

    private String pretty(JsonNode body) throws JsonProcessingException {
        return json.writerWithDefaultPrettyPrinter().writeValueAsString(body);
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
