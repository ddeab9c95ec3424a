package dev.tffashion.modelserver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorProto;
import tensorflow.serving.Classification.ClassificationRequest;
import tensorflow.serving.GetModelMetadata.GetModelMetadataRequest;
import tensorflow.serving.GetModelMetadata.GetModelMetadataResponse;
import tensorflow.serving.GetModelMetadata.SignatureDefMap;
import tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import tensorflow.serving.GetModelStatus.GetModelStatusResponse;
import tensorflow.serving.GetModelStatus.ModelVersionStatus;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.ModelServiceGrpc;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;
import tensorflow.serving.PredictionServiceGrpc;

/** The model server's gRPC and REST contract against one served version of a tiny SavedModel. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Path version1;
    private ModelServer server;
    private ManagedChannel channel;
    private PredictionServiceGrpc.PredictionServiceBlockingStub predictions;
    private ModelServiceGrpc.ModelServiceBlockingStub models;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        Path base = tmp.resolve("fashion");
        version1 = base.resolve("1");
        TinyModels.export(version1, 1);
        server = ModelServer.builder()
            .modelName("fashion")
            .modelBasePath(base)
            .pollInterval(Duration.ZERO)
            .build()
            .start();
        channel = NettyChannelBuilder.forTarget(server.grpcTarget()).usePlaintext().build();
        predictions = PredictionServiceGrpc.newBlockingStub(channel);
        models = ModelServiceGrpc.newBlockingStub(channel);
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

    private static PredictRequest predictRequest(TensorProto images) {
        return PredictRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName("fashion"))
            .putInputs("images", images)
            .build();
    }

    private static float[] floats(TensorProto tensor) {
        float[] values = new float[tensor.getFloatValCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = tensor.getFloatVal(i);
        }
        return values;
    }

    @Test
    void grpcPredictOfABatchEqualsInProcessInference() {
        float[] pixels = TinyModels.images(3, 42);
        PredictResponse response = predictions.predict(predictRequest(TinyModels.imagesProto(pixels)));

        TensorProto probabilities = response.getOutputsOrThrow("probabilities");
        assertEquals(DataType.DT_FLOAT, probabilities.getDtype());
        assertEquals("[3,10]", TensorConversion.shapeString(probabilities.getTensorShape()));
        assertArrayEquals(TinyModels.inProcess(version1, pixels), floats(probabilities), 1e-6f);
        assertEquals("fashion", response.getModelSpec().getName());
        assertEquals(1, response.getModelSpec().getVersion().getValue());
        assertEquals("serving_default", response.getModelSpec().getSignatureName());
    }

    @Test
    void grpcPredictAcceptsTensorContentAndAnExplicitVersion() {
        float[] pixels = TinyModels.images(2, 7);
        ByteBuffer content = ByteBuffer.allocate(pixels.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        content.asFloatBuffer().put(pixels);
        TensorProto images = TinyModels.imagesProto(new float[0]).toBuilder()
            .setTensorShape(TensorConversion.shapeProto(new long[] {2, 28, 28}))
            .setTensorContent(ByteString.copyFrom(content.array()))
            .build();
        PredictRequest request = predictRequest(images).toBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName("fashion").setVersion(Int64Value.of(1)).setSignatureName("serving_default"))
            .addOutputFilter("probabilities")
            .build();

        PredictResponse response = predictions.predict(request);

        assertArrayEquals(TinyModels.inProcess(version1, pixels), floats(response.getOutputsOrThrow("probabilities")), 1e-6f);
    }

    @Test
    void getModelMetadataReturnsTheSignatureDefMap() throws Exception {
        GetModelMetadataResponse response = predictions.getModelMetadata(GetModelMetadataRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName("fashion"))
            .addMetadataField("signature_def")
            .build());

        assertEquals(1, response.getModelSpec().getVersion().getValue());
        SignatureDef signature = response.getMetadataOrThrow("signature_def").unpack(SignatureDefMap.class)
            .getSignatureDefOrThrow("serving_default");
        assertEquals("tensorflow/serving/predict", signature.getMethodName());
        TensorInfo images = signature.getInputsOrThrow("images");
        assertEquals(DataType.DT_FLOAT, images.getDtype());
        assertEquals("[-1,28,28]", TensorConversion.shapeString(images.getTensorShape()));
        assertEquals("[-1,10]", TensorConversion.shapeString(signature.getOutputsOrThrow("probabilities").getTensorShape()));
    }

    @Test
    void getModelStatusReportsVersion1Available() {
        GetModelStatusResponse response = models.getModelStatus(GetModelStatusRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName("fashion"))
            .build());

        assertEquals(1, response.getModelVersionStatusCount());
        ModelVersionStatus status = response.getModelVersionStatus(0);
        assertEquals(1, status.getVersion());
        assertEquals(ModelVersionStatus.State.AVAILABLE, status.getState());
        assertEquals(org.tensorflow.proto.error.Code.OK, status.getStatus().getErrorCode());
    }

    @Test
    void unknownModelOrVersionIsNotFound() {
        StatusRuntimeException unknownModel = assertThrows(StatusRuntimeException.class, () -> predictions.predict(
            predictRequest(TinyModels.imagesProto(TinyModels.images(1, 1))).toBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName("shoes")).build()));
        assertEquals(Status.Code.NOT_FOUND, unknownModel.getStatus().getCode());
        assertTrue(unknownModel.getStatus().getDescription().contains("shoes"), unknownModel.getStatus().getDescription());

        StatusRuntimeException unknownVersion = assertThrows(StatusRuntimeException.class, () -> models.getModelStatus(
            GetModelStatusRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName("fashion").setVersion(Int64Value.of(9))).build()));
        assertEquals(Status.Code.NOT_FOUND, unknownVersion.getStatus().getCode());

        StatusRuntimeException unknownStatus = assertThrows(StatusRuntimeException.class, () -> models.getModelStatus(
            GetModelStatusRequest.newBuilder().setModelSpec(ModelSpec.newBuilder().setName("shoes")).build()));
        assertEquals(Status.Code.NOT_FOUND, unknownStatus.getStatus().getCode());
    }

    @Test
    void shapeIsLeftToTheGraphAndBadInputsAreInvalidArgumentWithTensorFlowsMessage() {
        // TF Serving feeds the tensor as it is: a shape the graph can compute with is answered...
        float[] pixels = TinyModels.images(3, 1);
        TensorProto flat = TinyModels.imagesProto(pixels).toBuilder()
            .setTensorShape(TensorConversion.shapeProto(new long[] {3, 784}))
            .build();
        assertArrayEquals(TinyModels.inProcess(version1, pixels),
            floats(predictions.predict(predictRequest(flat)).getOutputsOrThrow("probabilities")), 1e-6f);
        // ...and one it cannot is INVALID_ARGUMENT with TensorFlow's own message (here the reshape's).
        TensorProto ragged = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT)
            .setTensorShape(TensorConversion.shapeProto(new long[] {3, 28}))
            .addAllFloatVal(Collections.nCopies(84, 0.5f))
            .build();
        StatusRuntimeException shape = assertThrows(StatusRuntimeException.class, () -> predictions.predict(predictRequest(ragged)));
        assertEquals(Status.Code.INVALID_ARGUMENT, shape.getStatus().getCode());
        assertTrue(shape.getStatus().getDescription().contains("84 values"), shape.getStatus().getDescription());

        TensorProto doubles = TensorProto.newBuilder().setDtype(DataType.DT_DOUBLE)
            .setTensorShape(TensorConversion.shapeProto(new long[] {1, 28, 28}))
            .addAllDoubleVal(Arrays.stream(new double[784]).boxed().toList())
            .build();
        StatusRuntimeException dtype = assertThrows(StatusRuntimeException.class, () -> predictions.predict(predictRequest(doubles)));
        assertEquals(Status.Code.INVALID_ARGUMENT, dtype.getStatus().getCode());
        assertTrue(dtype.getStatus().getDescription().contains("float")
            && dtype.getStatus().getDescription().contains("double"), dtype.getStatus().getDescription());

        StatusRuntimeException filter = assertThrows(StatusRuntimeException.class, () -> predictions.predict(
            predictRequest(TinyModels.imagesProto(TinyModels.images(1, 1))).toBuilder().addOutputFilter("logits").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, filter.getStatus().getCode());

        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () -> predictions.predict(
            PredictRequest.newBuilder().setModelSpec(ModelSpec.newBuilder().setName("fashion")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, missing.getStatus().getCode());
        assertTrue(missing.getStatus().getDescription().contains("images"), missing.getStatus().getDescription());
    }

    @Test
    void classifyOnAPredictSignatureIsInvalidArgument() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
            () -> predictions.classify(ClassificationRequest.newBuilder().setModelSpec(ModelSpec.newBuilder().setName("fashion")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("No classification inputs found in SignatureDef: "),
            e.getStatus().getDescription());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.restPort() + path)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, JsonNode body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.restPort() + path))
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .header("Content-Type", "application/json")
            .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void restStatusAndMetadata() throws Exception {
        HttpResponse<String> status = get("/v1/models/fashion");
        assertEquals(200, status.statusCode(), status.body());
        JsonNode version = JSON.readTree(status.body()).get("model_version_status").get(0);
        assertEquals("1", version.get("version").asText());
        assertEquals("AVAILABLE", version.get("state").asText());
        assertEquals("OK", version.get("status").get("error_code").asText());

        assertEquals(200, get("/v1/models/fashion/versions/1").statusCode());

        HttpResponse<String> metadata = get("/v1/models/fashion/metadata");
        assertEquals(200, metadata.statusCode(), metadata.body());
        JsonNode signature = JSON.readTree(metadata.body()).at("/metadata/signature_def/signature_def/serving_default");
        assertEquals("DT_FLOAT", signature.at("/inputs/images/dtype").asText(), metadata.body());
        assertEquals("tensorflow/serving/predict", signature.get("method_name").asText());

        HttpResponse<String> unknown = get("/v1/models/shoes");
        assertEquals(404, unknown.statusCode());
        assertTrue(JSON.readTree(unknown.body()).get("error").asText().contains("shoes"), unknown.body());
        assertEquals(404, get("/v1/models/fashion/versions/3").statusCode());
        assertEquals(404, get("/v2/nothing").statusCode());
    }

    private static ArrayNode nested(float[] pixels) {
        ArrayNode batch = JSON.createArrayNode();
        for (int n = 0; n < pixels.length / TinyModels.PIXELS; n++) {
            ArrayNode image = batch.addArray();
            for (int r = 0; r < 28; r++) {
                ArrayNode row = image.addArray();
                for (int c = 0; c < 28; c++) {
                    row.add(pixels[n * TinyModels.PIXELS + r * 28 + c]);
                }
            }
        }
        return batch;
    }

    private static float[] flatten(JsonNode rows) {
        float[] values = new float[rows.size() * TinyModels.CLASSES];
        for (int n = 0; n < rows.size(); n++) {
            for (int k = 0; k < TinyModels.CLASSES; k++) {
                values[n * TinyModels.CLASSES + k] = rows.get(n).get(k).floatValue();
            }
        }
        return values;
    }

    @Test
    void restPredictWithInstancesAndWithInputs() throws Exception {
        float[] pixels = TinyModels.images(3, 5);
        float[] expected = TinyModels.inProcess(version1, pixels);

        ObjectNode rows = JSON.createObjectNode();
        rows.set("instances", nested(pixels));
        HttpResponse<String> rowResponse = post("/v1/models/fashion:predict", rows);
        assertEquals(200, rowResponse.statusCode(), rowResponse.body());
        assertArrayEquals(expected, flatten(JSON.readTree(rowResponse.body()).get("predictions")), 1e-6f);

        ObjectNode columns = JSON.createObjectNode();
        columns.put("signature_name", "serving_default");
        columns.putObject("inputs").set("images", nested(pixels));
        HttpResponse<String> columnResponse = post("/v1/models/fashion/versions/1:predict", columns);
        assertEquals(200, columnResponse.statusCode(), columnResponse.body());
        assertArrayEquals(expected, flatten(JSON.readTree(columnResponse.body()).get("outputs")), 1e-6f);
    }

    @Test
    void restPredictErrors() throws Exception {
        ObjectNode wrongShape = JSON.createObjectNode();
        ArrayNode flat = wrongShape.putArray("instances").addArray();
        for (int i = 0; i < 10; i++) {
            flat.add(0.5);
        }
        HttpResponse<String> shape = post("/v1/models/fashion:predict", wrongShape);
        assertEquals(400, shape.statusCode(), shape.body());
        assertTrue(shape.body().contains("10 values"), shape.body());

        HttpResponse<String> neither = post("/v1/models/fashion:predict", JSON.createObjectNode());
        assertEquals(400, neither.statusCode());

        ObjectNode unknown = JSON.createObjectNode();
        unknown.set("instances", nested(TinyModels.images(1, 1)));
        assertEquals(404, post("/v1/models/shoes:predict", unknown).statusCode());
    }

    @Test
    void repeatedPredictsOfOneImageAllEqualInProcessInference() {
        float[] pixels = TinyModels.images(1, 3);
        float[] expected = TinyModels.inProcess(version1, pixels);
        PredictRequest request = predictRequest(TinyModels.imagesProto(pixels));
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(expected, floats(predictions.predict(request).getOutputsOrThrow("probabilities")), 1e-6f);
            assertArrayEquals(expected, floats(server.registry().predict(request).getOutputsOrThrow("probabilities")), 1e-6f);
        }
    }
}
