package dev.tffashion.modelserver;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Int64Value;
import com.google.protobuf.TextFormat;
import dev.tffashion.tfservingapi.WarmupRecords;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import tensorflow.serving.GetModelStatus.ModelVersionStatus;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.ModelManagement.ReloadConfigRequest;
import tensorflow.serving.ModelServerConfigOuterClass.ModelServerConfig;
import tensorflow.serving.ModelServiceGrpc;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.PredictionLogOuterClass.PredictLog;
import tensorflow.serving.PredictionLogOuterClass.PredictionLog;
import tensorflow.serving.PredictionServiceGrpc;

/**
 * TF Serving's server flags against its own test models and config files: --model_config_file (version policies,
 * labels, HandleReloadConfigRequest), --enable_batching with --batching_parameters_file, --monitoring_config_file
 * (Prometheus), --rest_api_enable_cors_support, --grpc_max_threads, --grpc_channel_arguments,
 * --saved_model_tags, --enable_signature_method_name_check and model warm-up (--num_request_iterations_for_warmup).
 */
class TfServingFlagsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TWO_VERSIONS = "saved_model_half_plus_two_2_versions";

    @TempDir
    Path tmp;

    private static ModelServer start(String... flags) throws Exception {
        List<String> all = new ArrayList<>(List.of("--port=0", "--rest_api_port=" + StandaloneServer.freePort(), "--host=127.0.0.1",
            "--file_system_poll_wait_seconds=0"));
        all.addAll(List.of(flags));
        return ModelServerMain.builder(ModelServerFlags.parse(all.toArray(String[]::new))).build().start();
    }

    private Path configFile(String text) throws Exception {
        Path file = Files.createTempFile(tmp, "models", ".config");
        Files.writeString(file, text);
        return file;
    }

    private static String twoVersionsConfig(String policyAndLabels) {
        return "model_config_list { config { name: \"half\" base_path: \"" + TfServingTestdata.model(TWO_VERSIONS)
            + "\" model_platform: \"tensorflow\" " + policyAndLabels + " } }";
    }

    private static HttpResponse<String> get(ModelServer server, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.restPort() + path))
            .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String predictions(ModelServer server, String path) throws Exception {
        HttpResponse<String> response = TfServingParityTest.post(server.restPort(), path, "{\"instances\": [2.0]}");
        return response.statusCode() + " " + JSON.readTree(response.body());
    }

    private static List<String> states(ModelServer server, String model) {
        List<String> states = new ArrayList<>();
        server.versionStatus(model).forEach(s -> states.add(s.version() + ":" + s.state()));
        return states;
    }

    @Test
    void goodModelConfigServesBothModels() throws Exception {
        String config = Files.readString(TfServingTestdata.dir().resolve("good_model_config.txt"))
            .replace("${TEST_HALF_PLUS_TWO_DIR}", TfServingTestdata.model("saved_model_half_plus_two_cpu").toString())
            .replace("${TEST_HALF_PLUS_THREE_DIR}", TfServingTestdata.model("saved_model_half_plus_three").toString());
        try (ModelServer server = start("--model_config_file=" + configFile(config))) {
            assertEquals("200 {\"predictions\":[3.0]}", predictions(server, "/v1/models/half_plus_two:predict"));
            assertEquals("200 {\"predictions\":[4.0]}", predictions(server, "/v1/models/half_plus_three:predict"));
            assertEquals(List.of("123:AVAILABLE"), states(server, "half_plus_two"));
        }
    }

    private static String oneModelConfig(String name, String model) {
        return "model_config_list { config { name: \"" + name + "\" base_path: \"" + TfServingTestdata.model(model)
            + "\" model_platform: \"tensorflow\" } }";
    }

    @Test
    void aPolledConfigFileAppliesItsChangesAndKeepsServingThroughABadOne() throws Exception {
        String both = Files.readString(TfServingTestdata.dir().resolve("good_model_config.txt"))
            .replace("${TEST_HALF_PLUS_TWO_DIR}", TfServingTestdata.model("saved_model_half_plus_two_cpu").toString())
            .replace("${TEST_HALF_PLUS_THREE_DIR}", TfServingTestdata.model("saved_model_half_plus_three").toString());
        String two = "/v1/models/half_plus_two:predict";
        String three = "/v1/models/half_plus_three:predict";
        Path file = configFile(oneModelConfig("half_plus_two", "saved_model_half_plus_two_cpu"));
        try (ModelServer server = start("--model_config_file=" + file, "--model_config_file_poll_wait_seconds=1")) {
            assertEquals("200 {\"predictions\":[3.0]}", predictions(server, two));
            assertTrue(predictions(server, three).startsWith("404 "), "not configured yet");

            Files.writeString(file, both);
            await().atMost(Duration.ofSeconds(30)).until(() -> predictions(server, three), "200 {\"predictions\":[4.0]}"::equals);
            assertEquals("200 {\"predictions\":[3.0]}", predictions(server, two));

            Files.writeString(file, "model_config_list { config { name: \"half_plus_two\" base_pa");
            Thread.sleep(2500);
            assertEquals("200 {\"predictions\":[3.0]}", predictions(server, two), "a file cut short: the last config is kept");
            assertEquals("200 {\"predictions\":[4.0]}", predictions(server, three), "a file cut short: the last config is kept");

            Files.writeString(file, oneModelConfig("half_plus_three", "saved_model_half_plus_three"));
            await().atMost(Duration.ofSeconds(30)).until(() -> predictions(server, two).startsWith("404 "));
            assertEquals("200 {\"predictions\":[4.0]}", predictions(server, three));
        }
    }

    @Test
    void aConfigFileServesItsModelsWhateverNameAndBasePathSay() throws Exception {
        // tensorflow/serving's image: --model_name and --model_base_path from its environment, then the config file as argument
        Path elsewhere = Files.createDirectories(tmp.resolve("models/fashion"));
        try (ModelServer server = start("--model_name=fashion", "--model_base_path=" + elsewhere,
                "--model_config_file=" + configFile(twoVersionsConfig("")))) {
            assertEquals(List.of("124:AVAILABLE"), states(server, "half"));
            assertEquals("200 {\"predictions\":[3.0]}", predictions(server, "/v1/models/half/versions/124:predict"));
            assertEquals(404, get(server, "/v1/models/fashion").statusCode(), "the ignored --model_name is not served");
        }
    }

    @Test
    void versionPoliciesOfTheTwoVersionModel() throws Exception {
        try (ModelServer server = start("--model_config_file=" + configFile(twoVersionsConfig("")))) {
            assertEquals(List.of("124:AVAILABLE"), states(server, "half"));
            assertEquals("200 {\"predictions\":[3.0]}", predictions(server, "/v1/models/half/versions/124:predict"));
            assertTrue(predictions(server, "/v1/models/half/versions/123:predict").startsWith("404 "));
            JsonNode expected = JSON.readTree(Files.readString(TfServingTestdata.dir().resolve(TWO_VERSIONS + "_metadata.json")));
            JsonNode metadata = JSON.readTree(get(server, "/v1/models/half/metadata").body());
            assertEquals(expected.at("/metadata"), metadata.at("/metadata"));
            assertEquals("124", metadata.at("/model_spec/version").asText());
        }
        try (ModelServer server = start("--model_config_file="
            + configFile(twoVersionsConfig("model_version_policy { latest { num_versions: 2 } }")))) {
            assertEquals(List.of("123:AVAILABLE", "124:AVAILABLE"), states(server, "half"));
        }
        try (ModelServer server = start("--model_config_file=" + configFile(twoVersionsConfig("model_version_policy { all {} }")))) {
            assertEquals(List.of("123:AVAILABLE", "124:AVAILABLE"), states(server, "half"));
            assertEquals("200 {\"predictions\":[3.0]}", predictions(server, "/v1/models/half/versions/123:predict"));
        }
        try (ModelServer server = start("--model_config_file="
            + configFile(twoVersionsConfig("model_version_policy { specific { versions: 123 } }")))) {
            assertEquals(List.of("123:AVAILABLE"), states(server, "half"));
            JsonNode expected = JSON.readTree(Files.readString(TfServingTestdata.dir().resolve(TWO_VERSIONS + "_metadata.json")));
            JsonNode metadata = JSON.readTree(get(server, "/v1/models/half/metadata").body());
            assertEquals(expected.at("/metadata"), metadata.at("/metadata"));
            assertEquals("123", metadata.at("/model_spec/version").asText());
        }
    }

    @Test
    void versionLabelsAndReloadConfig() throws Exception {
        String labelled = twoVersionsConfig("model_version_policy { specific { versions: 123 versions: 124 } }"
            + " version_labels { key: \"stable\" value: 123 } version_labels { key: \"canary\" value: 124 }");
        try (ModelServer server = start("--model_config_file=" + configFile(labelled))) {
            assertEquals("200 {\"predictions\":[3.0]}", predictions(server, "/v1/models/half/labels/stable:predict"));
            assertEquals("123", JSON.readTree(get(server, "/v1/models/half/labels/stable").body())
                .at("/model_version_status/0/version").asText());
            assertEquals("124", JSON.readTree(get(server, "/v1/models/half/labels/canary").body())
                .at("/model_version_status/0/version").asText());
            assertTrue(predictions(server, "/v1/models/half/labels/beta:predict").startsWith("400 "));

            ManagedChannel channel = NettyChannelBuilder.forTarget(server.grpcTarget()).usePlaintext().build();
            try {
                ModelServerConfig.Builder reloaded = ModelServerConfig.newBuilder();
                TextFormat.merge(twoVersionsConfig("model_version_policy { specific { versions: 124 } }"
                    + " version_labels { key: \"stable\" value: 124 }"), reloaded);
                ModelServiceGrpc.newBlockingStub(channel).handleReloadConfigRequest(ReloadConfigRequest.newBuilder()
                    .setConfig(reloaded).build());
                assertEquals(List.of("123:END", "124:AVAILABLE"), states(server, "half"));
                assertEquals("124", JSON.readTree(get(server, "/v1/models/half/labels/stable").body())
                    .at("/model_version_status/0/version").asText());
                ModelVersionStatus status = ModelServiceGrpc.newBlockingStub(channel).getModelStatus(GetModelStatusRequest.newBuilder()
                    .setModelSpec(ModelSpec.newBuilder().setName("half").setVersion(Int64Value.of(123))).build()).getModelVersionStatus(0);
                assertEquals(ModelVersionStatus.State.END, status.getState());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static PredictRequest half(float x) {
        return PredictRequest.newBuilder().setModelSpec(ModelSpec.newBuilder().setName("default"))
            .putInputs("x", org.tensorflow.proto.TensorProto.newBuilder().setDtype(org.tensorflow.proto.DataType.DT_FLOAT)
                .setTensorShape(TensorConversion.shapeProto(new long[] {1, 1})).addFloatVal(x).build())
            .build();
    }

    private static List<Float> concurrently(ModelServer server, int clients) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forTarget(server.grpcTarget()).usePlaintext().build();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            PredictionServiceGrpc.PredictionServiceBlockingStub stub = PredictionServiceGrpc.newBlockingStub(channel);
            List<Future<Float>> answers = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                float x = i;
                answers.add(pool.submit((Callable<Float>) () -> stub.predict(half(x)).getOutputsOrThrow("y").getFloatVal(0)));
            }
            List<Float> values = new ArrayList<>();
            for (Future<Float> answer : answers) {
                values.add(answer.get(60, TimeUnit.SECONDS));
            }
            return values;
        } finally {
            pool.shutdownNow();
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static long grpcThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("model-server-grpc-")).count();
    }

    @Test
    void grpcMaxThreadsBoundsTheThreadsThatRunCalls() throws Exception {
        String model = "--model_base_path=" + TfServingTestdata.model("saved_model_half_plus_two_cpu");
        try (ModelServer server = start("--model_name=default", model, "--grpc_max_threads=2")) {
            List<Float> answers = concurrently(server, 16);
            for (int i = 0; i < answers.size(); i++) {
                assertEquals(0.5f * i + 2, answers.get(i));
            }
            long threads = grpcThreads();
            assertTrue(threads >= 1 && threads <= 2, "16 concurrent calls ran on " + threads + " of the server's own threads");
        }
        try (ModelServer server = start("--model_name=default", model)) {
            assertEquals(16, concurrently(server, 16).size());
            assertEquals(0, grpcThreads(), "without the flag, gRPC's own executor runs the calls");
        }
    }

    @Test
    void savedModelTagsPickTheMetaGraphToLoad() throws Exception {
        Path base = tmp.resolve("tagged");
        TinyModels.export(base.resolve("1"), 1, "serve", "tpu");
        try (ModelServer server = start("--model_name=tagged", "--model_base_path=" + base)) {
            VersionStatus status = server.versionStatus("tagged").get(0);
            assertEquals(VersionState.END, status.state(), "a SavedModel without a MetaGraph tagged exactly {serve} is not loaded");
            assertTrue(status.errorMessage().contains("serve"), status.errorMessage());
        }
        try (ModelServer server = start("--model_name=tagged", "--model_base_path=" + base, "--saved_model_tags=tpu,serve")) {
            assertEquals(List.of("1:AVAILABLE"), states(server, "tagged"));
            HttpResponse<String> status = get(server, "/v1/models/tagged");
            assertEquals(200, status.statusCode(), status.body());
        }
    }

    private static PredictRequest halves(int n) {
        org.tensorflow.proto.TensorProto.Builder x = org.tensorflow.proto.TensorProto.newBuilder()
            .setDtype(org.tensorflow.proto.DataType.DT_FLOAT).setTensorShape(TensorConversion.shapeProto(new long[] {n, 1}));
        for (int i = 0; i < n; i++) {
            x.addFloatVal(i);
        }
        return PredictRequest.newBuilder().setModelSpec(ModelSpec.newBuilder().setName("default")).putInputs("x", x.build()).build();
    }

    private static Status.Code predictStatus(ModelServer server, PredictRequest request) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forTarget(server.grpcTarget()).usePlaintext().build();
        try {
            PredictionServiceGrpc.newBlockingStub(channel).predict(request);
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void grpcChannelArgumentsSetTheServersLimits() throws Exception {
        String model = "--model_base_path=" + TfServingTestdata.model("saved_model_half_plus_two_cpu");
        PredictRequest large = halves(200);
        assertTrue(large.getSerializedSize() > 800, "a request of " + large.getSerializedSize() + " bytes");
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(GrpcChannelArguments.class.getName());
        logger.addHandler(handler);
        try (ModelServer server = start("--model_name=default", model,
            "--grpc_channel_arguments=grpc.max_receive_message_length=512,grpc.max_connection_age_ms=60000,grpc.lb_policy_name=x")) {
            assertEquals(Status.Code.OK, predictStatus(server, halves(2)));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, predictStatus(server, large), "a message above 512 bytes is refused");
        } finally {
            logger.removeHandler(handler);
        }
        assertEquals(1, warnings.stream().filter(w -> w.contains("grpc.lb_policy_name is not applied")).count(),
            "the key gRPC Java has no setting for is warned about once, from the flags to the running server: " + warnings);
        assertTrue(warnings.stream().noneMatch(w -> w.startsWith("--grpc_channel_arguments: grpc.max_")),
            "the keys applied are not warned about: " + warnings);
        try (ModelServer server = start("--model_name=default", model)) {
            assertEquals(Status.Code.OK, predictStatus(server, large), "without the argument, the heap's bound");
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> start("--model_name=default", model,
            "--grpc_channel_arguments=grpc.max_connection_age_ms=soon"));
        assertTrue(bad.getMessage().contains("grpc.max_connection_age_ms=soon: takes a whole number"), bad.getMessage());
    }

    @Test
    void methodNameCheckIsOffByDefaultAsInTfServing() throws Exception {
        String model = "--model_base_path=" + TfServingTestdata.model("saved_model_half_plus_two_cpu");
        String classify = "/v1/models/default:classify";
        String examples = "{\"examples\": [{\"x\": 1.0}]}";
        try (ModelServer server = start("--model_name=default", model)) {
            HttpResponse<String> shape = TfServingParityTest.post(server.restPort(), classify, examples);
            assertEquals(400, shape.statusCode());
            assertTrue(JSON.readTree(shape.body()).get("error").asText().startsWith("No classification inputs found in SignatureDef"),
                shape.body());
        }
        try (ModelServer server = start("--model_name=default", model, "--enable_signature_method_name_check")) {
            HttpResponse<String> method = TfServingParityTest.post(server.restPort(), classify, examples);
            assertEquals(400, method.statusCode());
            assertEquals("Expected classification signature method_name to be tensorflow/serving/classify. Was: tensorflow/serving/predict",
                JSON.readTree(method.body()).get("error").asText());
            assertEquals("200 {\"predictions\":[3.0]}", predictions(server, "/v1/models/default:predict"));
        }
    }

    @Test
    void batchingFlagsWithTfServingsParametersFile() throws Exception {
        Path batching = TfServingTestdata.dir().resolve("batching_config.txt");
        try (ModelServer server = start("--model_name=default", "--model_base_path="
            + TfServingTestdata.model("saved_model_half_plus_two_cpu"), "--enable_batching", "--batching_parameters_file=" + batching)) {
            BatchingParameters parameters = server.batchingParameters();
            assertEquals(new BatchingParameters(128, 0, 8, 1_000_000, List.of()), parameters);
            List<Float> answers = concurrently(server, 16);
            for (int i = 0; i < answers.size(); i++) {
                assertEquals(0.5f * i + 2, answers.get(i));
            }
            assertEquals("200 {\"predictions\":[3.0]}", predictions(server, "/v1/models/default:predict"));
        }
    }

    @Test
    void concurrentRequestsAreMergedIntoOneSessionRun() throws Exception {
        Path batching = configFile("max_batch_size { value: 4 }\nbatch_timeout_micros { value: 10000000 }\n"
            + "num_batch_threads { value: 1 }\nmax_enqueued_batches { value: 10 }\n");
        try (ModelServer server = start("--model_name=default", "--model_base_path="
            + TfServingTestdata.model("saved_model_half_plus_two_cpu"), "--enable_batching=true",
            "--batching_parameters_file=" + batching,
            "--monitoring_config_file=" + TfServingTestdata.dir().resolve("monitoring_config.txt"))) {
            List<Float> answers = concurrently(server, 4);
            assertEquals(List.of(2f, 2.5f, 3f, 3.5f), answers);
            // Four requests of one row, one batch of four: the timeout (10 s) never fired, the batch was full.
            assertEquals(1, server.metrics().counter(ServingMetrics.WRAPPED_RUN_COUNT));
            assertEquals(1, server.metrics().observations(ServingMetrics.PROCESSED_BATCH_SIZE));
            // TF Serving's batching session metrics (batching_session.cc, batching_util.h), on its Prometheus endpoint.
            String page = get(server, "/monitoring/prometheus/metrics").body();
            assertTrue(page.contains("# TYPE :tensorflow:serving:batching_session:wrapped_run_count counter\n"
                + ":tensorflow:serving:batching_session:wrapped_run_count{} 1\n"), page);
            assertTrue(page.contains("# TYPE :tensorflow:serving:batching_session:processed_batch_size histogram\n"
                + ":tensorflow:serving:batching_session:processed_batch_size_bucket{le=\"1\"} 0\n"
                + ":tensorflow:serving:batching_session:processed_batch_size_bucket{le=\"2\"} 0\n"
                + ":tensorflow:serving:batching_session:processed_batch_size_bucket{le=\"4\"} 0\n"
                + ":tensorflow:serving:batching_session:processed_batch_size_bucket{le=\"8\"} 1\n"), page);
            assertTrue(page.contains(":tensorflow:serving:batching_session:processed_batch_size_bucket{le=\"8192\"} 1\n"
                + ":tensorflow:serving:batching_session:processed_batch_size_bucket{le=\"+Inf\"} 1\n"
                + ":tensorflow:serving:batching_session:processed_batch_size_sum{} 4\n"
                + ":tensorflow:serving:batching_session:processed_batch_size_count{} 1\n"), page);
            assertTrue(page.contains(":tensorflow:serving:batching_session:input_batch_size_sum{} 4\n"
                + ":tensorflow:serving:batching_session:input_batch_size_count{} 4\n"), page);
            assertTrue(page.contains(":tensorflow:serving:batching_session:padding_size_sum{execution_batch_size=\"4\"} 0\n"
                + ":tensorflow:serving:batching_session:padding_size_count{execution_batch_size=\"4\"} 1\n"), page);
            assertTrue(page.contains("# TYPE :tensorflow:serving:batching_session:queuing_latency histogram\n"
                + ":tensorflow:serving:batching_session:queuing_latency_bucket{thread_pool_name=\"\",le=\"100\"} "), page);
            assertTrue(page.contains(":tensorflow:serving:batching_session:queuing_latency_count{thread_pool_name=\"\"} 4\n"), page);
            assertEquals(53, page.lines().filter(l -> l.startsWith(":tensorflow:serving:batching_session:queuing_latency_bucket"))
                .count(), "52 buckets of 100 * 1.2^i and +Inf");
            assertFalse(page.contains(":batching:"), "no metric TF Serving does not have: " + page);
        }
    }

    @Test
    void badBatchingParametersAreRejectedNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> BatchingParameters.parse("max_batch_size { value: 8 }\nmax_batch_sise { value: 3 }"));
        assertTrue(e.getMessage().contains("max_batch_sise"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
            () -> BatchingParameters.parse("max_batch_size { value: 8 } allowed_batch_sizes: 2 allowed_batch_sizes: 4"));
    }

    @Test
    void prometheusEndpointOfTheMonitoringConfig() throws Exception {
        Path monitoring = TfServingTestdata.dir().resolve("monitoring_config.txt");
        try (ModelServer server = start("--model_name=default", "--model_base_path="
            + TfServingTestdata.model("saved_model_half_plus_two_cpu"), "--monitoring_config_file=" + monitoring)) {
            assertEquals("200 {\"predictions\":[3.0]}", predictions(server, "/v1/models/default:predict"));
            assertTrue(predictions(server, "/v1/models/nothing:predict").startsWith("404 "));
            HttpResponse<String> page = get(server, "/monitoring/prometheus/metrics");
            assertEquals(200, page.statusCode());
            String text = page.body();
            assertTrue(text.contains("# TYPE :tensorflow:serving:request_count counter\n"), text);
            assertTrue(text.contains(":tensorflow:serving:request_count{model_name=\"default\",status=\"OK\"} 1\n"), text);
            assertTrue(text.contains(":tensorflow:serving:request_count{model_name=\"nothing\",status=\"NOT_FOUND\"} 1\n"), text);
            assertTrue(text.contains("# TYPE :tensorflow:serving:request_latency histogram\n"), text);
            assertTrue(text.contains(":tensorflow:serving:request_latency_bucket{model_name=\"default\",API=\"Predict\","
                + "entrypoint=\"REST\",le=\"10\"} "), text);
            assertTrue(text.contains(":tensorflow:serving:request_latency_count{model_name=\"default\",API=\"Predict\","
                + "entrypoint=\"REST\"} 1\n"), text);
            // Runtime latency (servables/tensorflow/util.cc): by model, API and runtime "TF1", for the session runs that
            // succeeded: not for the unknown model, nor for a run TensorFlow refused.
            assertEquals(200, TfServingParityTest.post(server.restPort(), "/v1/models/default:regress",
                "{\"signature_name\": \"regress_x_to_y\", \"examples\": [{\"x\": 1.0}]}").statusCode());
            assertEquals(200, TfServingParityTest.post(server.restPort(), "/v1/models/default:classify",
                "{\"signature_name\": \"classify_x_to_y\", \"examples\": [{\"x\": 1.0}]}").statusCode());
            assertEquals(400, TfServingParityTest.post(server.restPort(), "/v1/models/default:predict",
                "{\"signature_name\": \"classify_x_to_y\", \"instances\": [\"not a tf.Example\"]}").statusCode());
            text = get(server, "/monitoring/prometheus/metrics").body();
            assertTrue(text.contains("# TYPE :tensorflow:serving:runtime_latency histogram\n"
                + ":tensorflow:serving:runtime_latency_bucket{model_name=\"default\",API=\"Classify\",runtime=\"TF1\",le=\"10\"} "),
                text);
            for (String api : List.of("Classify", "Predict", "Regress")) {
                assertTrue(text.contains(":tensorflow:serving:runtime_latency_count{model_name=\"default\",API=\"" + api
                    + "\",runtime=\"TF1\"} 1\n"), api + ": " + text);
                assertEquals(34, text.lines().filter(l -> l.startsWith(":tensorflow:serving:runtime_latency_bucket{model_name=\"default\","
                    + "API=\"" + api + "\"")).count(), "33 buckets of 10 * 1.8^i and +Inf");
            }
            assertFalse(text.contains("runtime_latency_count{model_name=\"nothing\""), text);
            assertTrue(text.contains(":tensorflow:cc:saved_model:load_attempt_count{model_path=\""
                + TfServingTestdata.model("saved_model_half_plus_two_cpu").resolve("00000123").toAbsolutePath().normalize()
                + "\",status=\"success\"} 1\n"), text);
        }
    }

    private static HttpResponse<String> send(ModelServer server, String method, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.restPort() + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void corsSupportLetsAPageFromAnotherOriginCallTheRestApi() throws Exception {
        String model = "--model_base_path=" + TfServingTestdata.model("saved_model_half_plus_two_cpu");
        try (ModelServer server = start("--model_name=default", model, "--rest_api_enable_cors_support")) {
            // The browser's preflight before a POST with a JSON body from another origin
            HttpResponse<String> preflight = send(server, "OPTIONS", "/v1/models/default:predict", "Origin", "http://page.example",
                "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type,x-request-id");
            assertEquals(204, preflight.statusCode(), preflight.body());
            assertEquals("*", preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
            assertTrue(preflight.headers().firstValue("Access-Control-Allow-Methods").orElse("").contains("POST"));
            assertEquals("content-type,x-request-id", preflight.headers().firstValue("Access-Control-Allow-Headers").orElse(null));
            HttpResponse<String> predict = TfServingParityTest.post(server.restPort(), "/v1/models/default:predict",
                "{\"instances\": [2.0]}");
            assertEquals("200 {\"predictions\":[3.0]}", predict.statusCode() + " " + JSON.readTree(predict.body()));
            assertEquals("*", predict.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
            HttpResponse<String> unknown = send(server, "GET", "/v1/models/nothing", "Origin", "http://page.example");
            assertEquals(404, unknown.statusCode());
            assertEquals("*", unknown.headers().firstValue("Access-Control-Allow-Origin").orElse(null), "errors are readable too");
        }
        try (ModelServer server = start("--model_name=default", model, "--rest_api_enable_cors_support=false")) {
            HttpResponse<String> status = send(server, "GET", "/v1/models/default", "Origin", "http://page.example");
            assertEquals(200, status.statusCode());
            assertTrue(status.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), status.headers().toString());
            assertEquals(405, send(server, "OPTIONS", "/v1/models/default:predict", "Origin", "http://page.example",
                "Access-Control-Request-Method", "POST").statusCode());
        }
    }

    @Test
    void warmupRecordsAreReplayedBeforeAVersionIsAvailable() throws Exception {
        Path base = tmp.resolve("fashion");
        TinyModels.export(base.resolve("1"), 1);
        PredictRequest request = PredictRequest.newBuilder().setModelSpec(ModelSpec.newBuilder().setName("fashion"))
            .putInputs("images", TinyModels.imagesProto(TinyModels.images(1, 4))).build();
        WarmupRecords.write(base.resolve("1"), List.of(PredictionLog.newBuilder()
            .setPredictLog(PredictLog.newBuilder().setRequest(request)).build()));
        assertEquals(1, WarmupRecords.read(WarmupRecords.file(base.resolve("1"))).size());
        try (ModelServer server = ModelServer.builder().modelName("fashion").modelBasePath(base).build().start()) {
            assertEquals(List.of("1:AVAILABLE"), states(server, "fashion"));
            assertEquals(1, server.metrics().observations(ServingMetrics.WARMUP_LATENCY, base.resolve("1").toAbsolutePath().toString()));
            assertEquals(1, server.metrics().observations(ServingMetrics.RUNTIME_LATENCY, "fashion", "Predict", ServingMetrics.RUNTIME_TF1),
                "the record ran once");
        }
        // --num_request_iterations_for_warmup: each record runs that many times in a row
        try (ModelServer server = start("--model_name=fashion", "--model_base_path=" + base, "--num_request_iterations_for_warmup=3")) {
            assertEquals(List.of("1:AVAILABLE"), states(server, "fashion"));
            assertEquals(3, server.metrics().observations(ServingMetrics.RUNTIME_LATENCY, "fashion", "Predict",
                ServingMetrics.RUNTIME_TF1));
        }

        // A record the model cannot answer fails the load, as in TF Serving; with warm-up off the version serves.
        TinyModels.export(base.resolve("2"), 2);
        WarmupRecords.write(base.resolve("2"), List.of(PredictionLog.newBuilder().setPredictLog(PredictLog.newBuilder()
            .setRequest(request.toBuilder().clearInputs().putInputs("pixels", TinyModels.imagesProto(TinyModels.images(1, 4)))))
            .build()));
        try (ModelServer server = ModelServer.builder().modelName("fashion").modelBasePath(base).build().start()) {
            VersionStatus failed = server.versionStatus("fashion").get(server.versionStatus("fashion").size() - 1);
            assertEquals(VersionState.END, failed.state());
            assertTrue(failed.errorMessage().contains("Warm-up record 0") && failed.errorMessage().contains("pixels"),
                failed.errorMessage());
        }
        try (ModelServer server = ModelServer.builder().modelName("fashion").modelBasePath(base).enableModelWarmup(false)
            .build().start()) {
            assertEquals(List.of("2:AVAILABLE"), states(server, "fashion"));
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> {
                ManagedChannel channel = NettyChannelBuilder.forTarget(server.grpcTarget()).usePlaintext().build();
                try {
                    PredictionServiceGrpc.newBlockingStub(channel).predict(request.toBuilder().clearInputs()
                        .putInputs("pixels", TinyModels.imagesProto(TinyModels.images(1, 4))).build());
                } finally {
                    channel.shutdownNow();
                }
            });
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        }
    }
}
