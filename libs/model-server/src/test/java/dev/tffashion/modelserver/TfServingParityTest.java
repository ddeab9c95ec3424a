package dev.tffashion.modelserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.FloatList;
import org.tensorflow.proto.TensorProto;
import tensorflow.serving.Classification.ClassificationRequest;
import tensorflow.serving.Classification.ClassificationResponse;
import tensorflow.serving.Inference.InferenceTask;
import tensorflow.serving.Inference.MultiInferenceRequest;
import tensorflow.serving.Inference.MultiInferenceResponse;
import tensorflow.serving.InputOuterClass.ExampleList;
import tensorflow.serving.InputOuterClass.ExampleListWithContext;
import tensorflow.serving.InputOuterClass.Input;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfig;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfigList;
import tensorflow.serving.ModelServerConfigOuterClass.ModelServerConfig;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;
import tensorflow.serving.PredictionServiceGrpc;
import tensorflow.serving.RegressionOuterClass.RegressionRequest;
import tensorflow.serving.RegressionOuterClass.RegressionResponse;

/**
 * Every answer of TF Serving's own test models (half_plus_two, half_plus_three, counter) over REST and gRPC, with
 * the requests and answers of TF Serving's REST API documentation and tests, and the metadata JSON equal to its file.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TfServingParityTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelServer server;
    private ManagedChannel channel;
    private PredictionServiceGrpc.PredictionServiceBlockingStub grpc;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        ModelServerConfig config = ModelServerConfig.newBuilder().setModelConfigList(ModelConfigList.newBuilder()
            .addConfig(model("default", "saved_model_half_plus_two_cpu"))
            .addConfig(model("half_plus_three", "saved_model_half_plus_three"))
            .addConfig(model("counter", "saved_model_counter")))
            .build();
        server = ModelServer.builder().modelConfig(config).pollInterval(Duration.ZERO).build().start();
        channel = NettyChannelBuilder.forTarget(server.grpcTarget()).usePlaintext().build();
        grpc = PredictionServiceGrpc.newBlockingStub(channel);
    }

    private static ModelConfig model(String name, String folder) {
        return ModelConfig.newBuilder().setName(name).setBasePath(TfServingTestdata.model(folder).toString())
            .setModelPlatform("tensorflow").build();
    }

    @AfterAll
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    static HttpResponse<String> post(int port, String path, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return post(server.restPort(), path, body);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.restPort() + path)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private void assertAnswer(String path, String request, int status, String expectedJson) throws Exception {
        HttpResponse<String> response = post(path, request);
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(JSON.readTree(expectedJson), JSON.readTree(response.body()), response.body());
    }

    private String error(String path, String request, int status) throws Exception {
        HttpResponse<String> response = post(path, request);
        assertEquals(status, response.statusCode(), response.body());
        return JSON.readTree(response.body()).get("error").asText();
    }

    @Test
    void restPredictOfTheDocumentation() throws Exception {
        assertAnswer("/v1/models/default:predict", "{\"instances\": [2.0, 3.0, 4.0]}", 200, "{\"predictions\": [3.0, 3.5, 4.0]}");
        assertAnswer("/v1/models/default:predict", "{\"inputs\": [1.0, 2.0, 5.0]}", 200, "{\"outputs\": [2.5, 3.0, 4.5]}");
        assertAnswer("/v1/models/default:predict", "{\"instances\": [[1.0], [2.0]]}", 200, "{\"predictions\": [[2.5], [3.0]]}");
        assertAnswer("/v1/models/default/versions/123:predict",
            "{\"signature_name\": \"serving_default\", \"instances\": [{\"x\": 1.0}, {\"x\": 2.0}]}", 200,
            "{\"predictions\": [2.5, 3.0]}");
        assertAnswer("/v1/models/default:predict", "{\"inputs\": {\"x\": [[4.0]]}}", 200, "{\"outputs\": [[4.0]]}");
        assertAnswer("/v1/models/half_plus_three:predict", "{\"instances\": [1.0, 2.0, 5.0]}", 200,
            "{\"predictions\": [3.5, 4.0, 5.5]}");
    }

    private void assertText(String path, String request, String expectedText) throws Exception {
        HttpResponse<String> response = post(path, request);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(expectedText, response.body());
    }

    /**
     * The answers' text byte for byte, as TF Serving's json_tensor.cc writes it (RapidJSON's PrettyWriter, numbers by
     * WriteDecimal): the request and answer of TF Serving's REST API documentation ({@code curl -d '{"instances": [1.0,
     * 2.0, 5.0]}'} answers {@code {\n    "predictions": [2.5, 3.0, 4.5\n    ]\n}}), and the requests and values of
     * http_rest_api_handler_test.cc (Predict, columnar Predict, Regress 80 -> 42, Classify 20 -> 12).
     */
    @Test
    void restAnswersAreTfServingsTextByteForByte() throws Exception {
        assertText("/v1/models/default:predict", "{\"instances\": [1.0, 2.0, 5.0]}",
            "{\n    \"predictions\": [2.5, 3.0, 4.5\n    ]\n}");
        assertText("/v1/models/default:predict", "{\"instances\": [[1.0, 2.0], [3.0, 4.0]]}",
            "{\n    \"predictions\": [[2.5, 3.0], [3.5, 4.0]\n    ]\n}");
        assertText("/v1/models/default/versions/123:predict", "{\"signature_name\": \"serving_default\", \"inputs\": [3.0, 4.0]}",
            "{\n    \"outputs\": [\n        3.5,\n        4.0\n    ]\n}");
        assertText("/v1/models/default:regress", "{\"signature_name\": \"regress_x_to_y\", \"examples\": [ { \"x\": 80.0 } ] }",
            "{\n    \"results\": [42.0]\n}");
        assertText("/v1/models/default:classify", "{\"signature_name\": \"classify_x_to_y\", \"examples\": [ { \"x\": 20.0 } ] }",
            "{\n    \"results\": [[[\"\", 12.0]]\n    ]\n}");
        assertText("/v1/models/half_plus_three:predict", "{\"instances\": [1.0, 2.0, 5.0]}",
            "{\n    \"predictions\": [3.5, 4.0, 5.5\n    ]\n}");
        // Six significant digits when they read back as the same float (9e+06, 999999.0), nine when not (2^-15).
        assertText("/v1/models/default:predict", "{\"instances\": [17999996.0, 1999994.0, -3.99993896484375]}",
            "{\n    \"predictions\": [9e+06, 999999.0, 3.05175781e-05\n    ]\n}");
        // The columnar format writes nested lists one value per line (TF Serving sets the single-line option for rows only).
        String one = Base64.getEncoder().encodeToString(example(1f).toByteArray());
        assertText("/v1/models/default:predict", "{\"signature_name\": \"classify_x_to_y\", \"inputs\": {\"inputs\": [{\"b64\": \""
            + one + "\"}]}}", "{\n    \"outputs\": [\n        [\n            2.5\n        ]\n    ]\n}");
    }

    @Test
    void restPredictOfBinaryStringsAsBase64() throws Exception {
        // classify_x_to_y takes serialized tf.Examples (DT_STRING): Predict on it with {"b64": ...} values.
        String one = Base64.getEncoder().encodeToString(example(1f).toByteArray());
        String two = Base64.getEncoder().encodeToString(example(4f).toByteArray());
        assertAnswer("/v1/models/default:predict", "{\"signature_name\": \"classify_x_to_y\", \"instances\": [{\"b64\": \"" + one
            + "\"}, {\"b64\": \"" + two + "\"}]}", 200, "{\"predictions\": [[2.5], [4.0]]}");
        assertAnswer("/v1/models/default:predict", "{\"signature_name\": \"classify_x_to_y\", \"inputs\": {\"inputs\": [{\"b64\": \""
            + one + "\"}]}}", 200, "{\"outputs\": [[2.5]]}");
    }

    @Test
    void restPredictErrorsCarryTfServingsMessages() throws Exception {
        assertEquals("Failed to process element: 0 of 'instances' list. Error: INVALID_ARGUMENT: JSON Value: \"a\" Type: String"
            + " is not of expected type: float", error("/v1/models/default:predict", "{\"instances\": [\"a\"]}", 400));
        assertEquals("Missing 'inputs' or 'instances' key", error("/v1/models/default:predict", "{\"x\": 1}", 400));
        assertTrue(error("/v1/models/default:predict", "{\"instances\": [1.0], \"inputs\": [1.0]}", 400)
            .contains("expecting only one of 'inputs' or 'instances' keys to exist"));
        assertEquals("Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: Expecting tensor size: 1 but got: 2",
            error("/v1/models/default:predict", "{\"instances\": [[1.0], [1.0, 2.0]]}", 400));
        assertTrue(error("/v1/models/default:predict", "{\"signature_name\": \"nope\", \"instances\": [1.0]}", 400)
            .startsWith("Serving signature key \"nope\" not found"));
        assertTrue(error("/v1/models/default:predict", "{\"inputs\": {\"y\": [1.0]}}", 400).contains("Missing named input: x"));
    }

    @Test
    void restClassifyAndRegressOfTheDocumentation() throws Exception {
        assertAnswer("/v1/models/default:classify",
            "{\"signature_name\": \"classify_x_to_y\", \"examples\": [{\"x\": 1.0}, {\"x\": 2.0}]}", 200,
            "{\"results\": [[[\"\", 2.5]], [[\"\", 3.0]]]}");
        assertAnswer("/v1/models/default:regress",
            "{\"signature_name\": \"regress_x_to_y\", \"examples\": [{\"x\": 1.0}, {\"x\": 2.0}]}", 200,
            "{\"results\": [2.5, 3.0]}");
        assertAnswer("/v1/models/default:regress",
            "{\"signature_name\": \"regress_x_to_y2\", \"examples\": [{\"x\": 1.0}, {\"x\": 2.0}]}", 200,
            "{\"results\": [3.5, 4.0]}");
        assertAnswer("/v1/models/default:regress",
            "{\"signature_name\": \"regress_x_to_y\", \"context\": {\"x\": 4.0}, \"examples\": [{}, {\"x\": 2.0}]}", 200,
            "{\"results\": [4.0, 3.0]}");
        // regress_x2_to_y3 takes a float tensor, not serialized examples: TensorFlow itself rejects the string feed.
        String dtype = error("/v1/models/default:regress", "{\"signature_name\": \"regress_x2_to_y3\", \"examples\": [{\"x\": 1.0}]}", 400);
        assertTrue(dtype.contains("float") && dtype.contains("string"), dtype);
        // An int64 feature where the graph parses a float one: TensorFlow's ParseExample message.
        String kind = error("/v1/models/default:classify", "{\"signature_name\": \"classify_x_to_y\", \"examples\": [{\"x\": 1}]}", 400);
        assertTrue(kind.contains("int64") && kind.contains("float"), kind);
        // serving_default is a predict signature (x to y): TF Serving checks its shape, not its method_name, unless
        // --enable_signature_method_name_check (TfServingFlagsTest)
        String shape = error("/v1/models/default:classify", "{\"examples\": [{\"x\": 1.0}]}", 400);
        assertTrue(shape.startsWith("No classification inputs found in SignatureDef: "), shape);
        assertTrue(error("/v1/models/default:regress", "{\"signature_name\": \"regress_x_to_y\"}", 400)
            .contains("key 'examples' is expected and was not found"));
    }

    private static TensorProto floats(long[] shape, float... values) {
        TensorProto.Builder tensor = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT)
            .setTensorShape(TensorConversion.shapeProto(shape));
        for (float v : values) {
            tensor.addFloatVal(v);
        }
        return tensor.build();
    }

    private static List<Float> values(TensorProto tensor) {
        return tensor.getFloatValList();
    }

    @Test
    void grpcPredictLeavesTheShapeToTheGraph() {
        PredictResponse response = grpc.predict(PredictRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName("default"))
            .putInputs("x", floats(new long[] {3}, 2f, 3f, 4f))
            .addOutputFilter("y")
            .build());
        assertEquals(List.of(3f, 3.5f, 4f), values(response.getOutputsOrThrow("y")));
        assertEquals("[3]", TensorConversion.shapeString(response.getOutputsOrThrow("y").getTensorShape()));
        assertEquals("serving_default", response.getModelSpec().getSignatureName());
        assertEquals(123, response.getModelSpec().getVersion().getValue());

        PredictResponse three = grpc.predict(PredictRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName("half_plus_three"))
            .putInputs("x", floats(new long[] {2, 1}, 1f, 5f))
            .build());
        assertEquals(List.of(3.5f, 5.5f), values(three.getOutputsOrThrow("y")));
    }

    @Test
    void grpcPredictErrorsAreInvalidArgumentWithTensorFlowsOrTfServingsMessage() {
        TensorProto doubles = TensorProto.newBuilder().setDtype(DataType.DT_DOUBLE)
            .setTensorShape(TensorConversion.shapeProto(new long[] {1})).addDoubleVal(1.0).build();
        StatusRuntimeException dtype = assertThrows(StatusRuntimeException.class, () -> grpc.predict(PredictRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName("default")).putInputs("x", doubles).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, dtype.getStatus().getCode());
        assertTrue(dtype.getStatus().getDescription().contains("float")
            && dtype.getStatus().getDescription().contains("double"), dtype.getStatus().getDescription());

        StatusRuntimeException filter = assertThrows(StatusRuntimeException.class, () -> grpc.predict(PredictRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName("default")).putInputs("x", floats(new long[] {1}, 1f))
            .addOutputFilter("z").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, filter.getStatus().getCode());
        assertEquals("output tensor alias not found in signature: z Outputs expected to be in the set {y}.",
            filter.getStatus().getDescription());

        StatusRuntimeException extra = assertThrows(StatusRuntimeException.class, () -> grpc.predict(PredictRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName("default")).putInputs("x", floats(new long[] {1}, 1f))
            .putInputs("w", floats(new long[] {1}, 1f)).build()));
        assertEquals("input size does not match signature: 2!=1 len({w,x}) != len({x}). Sent extra: {w}. Missing but required: {}.",
            extra.getStatus().getDescription());
    }

    private static Example example(float x) {
        return Example.newBuilder().setFeatures(Features.newBuilder()
            .putFeature("x", Feature.newBuilder().setFloatList(FloatList.newBuilder().addValue(x)).build())).build();
    }

    @Test
    void grpcClassifyRegressAndMultiInference() {
        Input examples = Input.newBuilder().setExampleList(ExampleList.newBuilder().addExamples(example(1f)).addExamples(example(2f)))
            .build();
        ClassificationResponse classified = grpc.classify(ClassificationRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName("default").setSignatureName("classify_x_to_y")).setInput(examples).build());
        assertEquals(2, classified.getResult().getClassificationsCount());
        assertEquals(2.5f, classified.getResult().getClassifications(0).getClasses(0).getScore());
        assertEquals("", classified.getResult().getClassifications(0).getClasses(0).getLabel());
        assertEquals(3.0f, classified.getResult().getClassifications(1).getClasses(0).getScore());
        assertEquals("classify_x_to_y", classified.getModelSpec().getSignatureName());

        RegressionResponse regressed = grpc.regress(RegressionRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName("default").setSignatureName("regress_x_to_y2"))
            .setInput(Input.newBuilder().setExampleListWithContext(ExampleListWithContext.newBuilder()
                .setContext(example(6f)).addExamples(Example.getDefaultInstance()).addExamples(example(2f))))
            .build());
        assertEquals(6f, regressed.getResult().getRegressions(0).getValue());
        assertEquals(4f, regressed.getResult().getRegressions(1).getValue());

        MultiInferenceResponse multi = grpc.multiInference(MultiInferenceRequest.newBuilder()
            .addTasks(InferenceTask.newBuilder().setModelSpec(ModelSpec.newBuilder().setName("default")
                .setSignatureName("classify_x_to_y")).setMethodName(ExampleInference.CLASSIFY_METHOD))
            .addTasks(InferenceTask.newBuilder().setModelSpec(ModelSpec.newBuilder().setName("default")
                .setSignatureName("regress_x_to_y2")).setMethodName(ExampleInference.REGRESS_METHOD))
            .setInput(examples)
            .build());
        assertEquals(2, multi.getResultsCount());
        assertEquals(2.5f, multi.getResults(0).getClassificationResult().getClassifications(0).getClasses(0).getScore());
        assertEquals(4.0f, multi.getResults(1).getRegressionResult().getRegressions(1).getValue());
        assertEquals("regress_x_to_y2", multi.getResults(1).getModelSpec().getSignatureName());

        StatusRuntimeException empty = assertThrows(StatusRuntimeException.class, () -> grpc.regress(RegressionRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName("default").setSignatureName("regress_x_to_y")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, empty.getStatus().getCode());
        assertEquals("Input is empty.", empty.getStatus().getDescription());

        StatusRuntimeException duplicate = assertThrows(StatusRuntimeException.class, () -> grpc.multiInference(
            MultiInferenceRequest.newBuilder()
                .addTasks(InferenceTask.newBuilder().setModelSpec(ModelSpec.newBuilder().setName("default")
                    .setSignatureName("regress_x_to_y")).setMethodName(ExampleInference.REGRESS_METHOD))
                .addTasks(InferenceTask.newBuilder().setModelSpec(ModelSpec.newBuilder().setName("default")
                    .setSignatureName("regress_x_to_y")).setMethodName(ExampleInference.REGRESS_METHOD))
                .setInput(examples).build()));
        assertEquals("Duplicate evaluation of signature: regress_x_to_y", duplicate.getStatus().getDescription());
    }

    private float counter(String signature, TensorProto delta) {
        PredictRequest.Builder request = PredictRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName("counter").setSignatureName(signature));
        if (delta != null) {
            request.putInputs("delta", delta);
        }
        TensorProto output = grpc.predict(request.build()).getOutputsOrThrow("output");
        assertEquals(0, output.getTensorShape().getDimCount(), "the counter is a scalar");
        return output.getFloatVal(0);
    }

    @Test
    void counterModelOverGrpcAndRest() throws Exception {
        assertEquals(0f, counter("reset_counter", null));
        assertEquals(0f, counter("get_counter", null));
        assertEquals(1f, counter("incr_counter", null));
        assertEquals(2f, counter("incr_counter", null));
        assertEquals(5f, counter("incr_counter_by", floats(new long[0], 3f)));
        assertEquals(5f, counter("get_counter", null));
        // REST: signatures without inputs cannot be called (TF Serving's answer), incr_counter_by can.
        assertEquals("Failed to get input map for signature: get_counter",
            error("/v1/models/counter:predict", "{\"signature_name\": \"get_counter\", \"instances\": [1.0]}", 400));
        assertAnswer("/v1/models/counter:predict", "{\"signature_name\": \"incr_counter_by\", \"inputs\": {\"delta\": 2.0}}", 200,
            "{\"outputs\": 7.0}");
        assertTrue(error("/v1/models/counter:predict", "{\"signature_name\": \"incr_counter_by\", \"instances\": [2.0]}", 400)
            .length() > 0);
        assertEquals(0f, counter("reset_counter", null));
    }

    @Test
    void metadataEqualsTfServingsJson() throws Exception {
        HttpResponse<String> metadata = get("/v1/models/default/metadata");
        assertEquals(200, metadata.statusCode(), metadata.body());
        JsonNode expected = JSON.readTree(Files.readString(TfServingTestdata.dir().resolve("half_plus_two_model_metadata.json")));
        assertEquals(expected, JSON.readTree(metadata.body()));
        assertEquals(expected, JSON.readTree(get("/v1/models/default/versions/123/metadata").body()));
    }
}
