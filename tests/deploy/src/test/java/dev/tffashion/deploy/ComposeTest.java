package dev.tffashion.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/compose.yaml validates with docker-compose (alone and with the end-to-end override) and wires what it should. */
class ComposeTest {

    static final String COMPOSE = "deploy/compose.yaml";
    static final String E2E_OVERRIDE = "deploy/e2e/compose.e2e.yaml";

    @BeforeAll
    static void needsDockerCompose() {
        Assumptions.assumeTrue(Manifests.onPath("docker-compose"),
                "SKIPPED: docker-compose is not installed (apt-get install docker-compose; .ci/run installs it)");
    }

    @Test
    void configIsValid() {
        Manifests.run(List.of("docker-compose", "-f", COMPOSE, "config", "-q"), "docker-compose");
    }

    @Test
    void configWithTheEndToEndOverrideIsValid() {
        Manifests.run(List.of("docker-compose", "-f", COMPOSE, "-f", E2E_OVERRIDE, "config", "-q"), "docker-compose");
    }

    @Test
    void runsKafkaTfServingAndTheFiveServicesOnTheProjectVersion() {
        JsonNode services = resolved(List.of(COMPOSE)).path("services");
        Set<String> names = new TreeSet<>();
        services.fieldNames().forEachRemaining(names::add);
        // docker-compose 1.29 lists the services of every profile, Compose v2 only those of active profiles
        names.remove("minio");
        names.remove("jaeger");
        Set<String> expected = new TreeSet<>(Hardening.SERVICES);
        expected.addAll(List.of("kafka", "tf-serving", "volumes-init"));
        assertEquals(expected, names);
        assertTrue(services.path("kafka").path("image").asText().startsWith("apache/kafka:"));
        assertTrue(services.path("tf-serving").path("image").asText().startsWith("tensorflow/serving:"));
        String version = System.getProperty("project.version");
        for (String name : Hardening.SERVICES) {
            JsonNode service = services.path(name);
            assertEquals("tf-fashion/" + name + ":" + version, service.path("image").asText(), name + ": image tag");
            assertEquals("kafka:9092", service.path("environment").path("KAFKA_BOOTSTRAP_SERVERS").asText(), name);
            assertEquals("/data/store", service.path("environment").path("TF_FASHION_STORE_ROOT").asText(), name);
            assertTrue(mounts(service).contains("store:/data/store"), name + " mounts the store volume: " + mounts(service));
            assertEquals("185:0", service.path("user").asText(), name + " runs as uid 185");
            assertTrue(service.path("read_only").asBoolean(), name + ": read-only root file system");
            assertTrue(mounts(service).stream().anyMatch(m -> m.equals("/tmp") || m.endsWith(":/tmp")),
                    name + ": its own writable /tmp volume: " + mounts(service));
            assertEquals("[\"ALL\"]", service.path("cap_drop").toString(), name + ": drops every capability");
            assertTrue(service.path("security_opt").toString().contains("no-new-privileges:true"), name + ": no-new-privileges");
        }
        assertTrue(Manifests.read(Manifests.ROOT.resolve(COMPOSE)).contains("FILE_DROP_TOKEN: ${FILE_DROP_TOKEN:-}"),
                "the drop token comes from the user's environment, with no value in the file");
        JsonNode serveManager = services.path("serve-manager");
        assertEquals("external", serveManager.path("environment").path("SERVING_MODE").asText());
        assertEquals("tf-serving:8500", serveManager.path("environment").path("SERVING_GRPC_TARGET").asText());
        assertTrue(mounts(serveManager).contains("models:/data/models"), "serve-manager writes the models volume");
        assertTrue(mounts(services.path("tf-serving")).contains("models:/models"), "TF Serving reads the models volume");
        assertTrue(services.path("file-drop").path("ports").toString().contains("8080"), "the file drop is published on 8080");
    }

    @Test
    void theS3ProfileRunsMinioAndPointsTheServicesAtItsBucket() {
        String secret = "compose-test-secret";
        String yaml = Manifests.run(List.of("docker-compose", "-f", COMPOSE, "--profile", "s3", "config"),
                Map.of("TF_FASHION_STORE_KIND", "s3", "MINIO_ROOT_PASSWORD", secret), "docker-compose");
        JsonNode services = Manifests.documents(yaml).get(0).path("services");
        JsonNode minio = services.path("minio");
        assertTrue(minio.path("image").asText().startsWith("minio/minio:RELEASE."), "a pinned MinIO release: " + minio.path("image"));
        assertEquals("[\"s3\"]", minio.path("profiles").toString(), "MinIO runs only with the profile s3");
        assertEquals(secret, minio.path("environment").path("MINIO_ROOT_PASSWORD").asText());
        assertTrue(mounts(minio).contains("minio-data:/data"), "MinIO keeps its objects on a volume: " + mounts(minio));
        assertTrue(minio.path("ports").toString().contains("127.0.0.1:9000:9000"), "S3 API on the host's loopback only");
        for (String name : Hardening.SERVICES) {
            JsonNode env = services.path(name).path("environment");
            assertEquals("s3", env.path("TF_FASHION_STORE_KIND").asText(), name);
            assertEquals("http://minio:9000", env.path("TF_FASHION_STORE_S3_ENDPOINT").asText(), name);
            assertEquals("tf-fashion", env.path("TF_FASHION_STORE_S3_BUCKET").asText(), name);
            assertEquals("true", env.path("TF_FASHION_STORE_S3_PATH_STYLE").asText(), name);
            assertEquals(minio.path("environment").path("MINIO_ROOT_USER").asText(),
                    env.path("TF_FASHION_STORE_S3_ACCESS_KEY_ID").asText(), name + ": MinIO's user");
            assertEquals(secret, env.path("TF_FASHION_STORE_S3_SECRET_ACCESS_KEY").asText(), name + ": MinIO's password");
        }
        JsonNode plain = resolved(List.of(COMPOSE)).path("services");
        for (String name : Hardening.SERVICES) {
            assertEquals("folder", plain.path(name).path("environment").path("TF_FASHION_STORE_KIND").asText(),
                    name + ": the folder store unless TF_FASHION_STORE_KIND=s3");
        }
        String file = Manifests.read(Manifests.ROOT.resolve(COMPOSE));
        assertTrue(file.contains("MINIO_ROOT_PASSWORD: ${MINIO_ROOT_PASSWORD:-}"), "MinIO's password comes from the environment");
    }

    @Test
    void theTracingProfileRunsJaegerAndTheServicesExportToIt() {
        String yaml = Manifests.run(List.of("docker-compose", "-f", COMPOSE, "--profile", "tracing", "config"),
                Map.of("OTEL_SDK_DISABLED", "false", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://jaeger:4318"), "docker-compose");
        JsonNode services = Manifests.documents(yaml).get(0).path("services");
        JsonNode jaeger = services.path("jaeger");
        assertTrue(jaeger.path("image").asText().startsWith("jaegertracing/all-in-one:"), "Jaeger all-in-one: " + jaeger.path("image"));
        assertEquals("[\"tracing\"]", jaeger.path("profiles").toString(), "Jaeger runs only with the profile tracing");
        assertTrue(jaeger.path("ports").toString().contains("127.0.0.1:16686:16686"), "Jaeger's UI on the host's loopback only");
        JsonNode plain = resolved(List.of(COMPOSE)).path("services");
        for (String name : Hardening.SERVICES) {
            JsonNode env = services.path(name).path("environment");
            assertEquals("false", env.path("QUARKUS_OTEL_SDK_DISABLED").asText(), name + ": traced");
            assertEquals("http://jaeger:4318", env.path("QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").asText(), name);
            JsonNode off = plain.path(name).path("environment");
            assertEquals("true", off.path("QUARKUS_OTEL_SDK_DISABLED").asText(), name + ": no tracing unless asked");
            assertEquals("http://file-drop:8080", off.path("QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").asText(), name);
        }
    }

    @Test
    void endToEndOverrideOnlySwapsImagesOfKafkaAndTfServing() {
        JsonNode plain = resolved(List.of(COMPOSE)).path("services");
        JsonNode overridden = resolved(List.of(COMPOSE, E2E_OVERRIDE)).path("services");
        for (String name : Hardening.SERVICES) {
            assertEquals(new TreeSet<>(mounts(plain.path(name))), new TreeSet<>(mounts(overridden.path(name))), name + ": volumes");
            ((ObjectNode) plain.path(name)).remove("volumes");
            ((ObjectNode) overridden.path(name)).remove("volumes");
            assertEquals(plain.path(name), overridden.path(name), name + " runs as in deploy/compose.yaml");
        }
        assertTrue(overridden.path("kafka").path("image").asText().startsWith("tf-fashion-e2e/"));
        assertTrue(overridden.path("tf-serving").path("image").asText().startsWith("tf-fashion-e2e/"));
    }

    /**
     * TF Serving's service as the compose file runs it, on the end-to-end stand-in (libs/model-server's jar, as
     * deploy/e2e/model-server runs it): tensorflow/serving's entry point passes --model_name and --model_base_path from
     * MODEL_NAME and MODEL_BASE_PATH, then the service's command; the models volume is a temporary folder holding TF Serving's
     * half_plus_two test model as the config file's model. The server must start and serve that model.
     */
    @Test
    void tfServingsEnvironmentAndCommandServeTheConfigFilesModelOnTheStandIn(@TempDir Path volume) throws Exception {
        JsonNode tfServing = resolved(List.of(COMPOSE)).path("services").path("tf-serving");
        String mount = "/models";
        assertTrue(mounts(tfServing).contains("models:" + mount), "TF Serving reads the models volume at " + mount);
        String version = System.getProperty("project.version");
        Path jar = Manifests.ROOT.resolve("libs/model-server/target/model-server-" + version + ".jar");
        assertTrue(Files.isRegularFile(jar), jar + " is built before tests/deploy (./mvnw -B install -DskipTests)");
        Path testModel = Manifests.ROOT.getParent().resolve("shared/tfserving-testdata/saved_model_half_plus_two_cpu/00000123");
        assertTrue(Files.isDirectory(testModel), "TF Serving's test model in ../shared/tfserving-testdata: " + testModel);

        JsonNode env = tfServing.path("environment");
        List<String> args = new ArrayList<>(List.of("--model_name=" + env.path("MODEL_NAME").asText(),
            "--model_base_path=" + env.path("MODEL_BASE_PATH").asText() + "/" + env.path("MODEL_NAME").asText()));
        Path configFile = null;
        for (JsonNode arg : tfServing.path("command")) {
            String flag = arg.asText().replace("=" + mount + "/", "=" + volume + "/");
            args.add(flag);
            if (flag.startsWith("--model_config_file=")) {
                configFile = Path.of(flag.substring("--model_config_file=".length()));
            }
        }
        assertTrue(configFile != null, "TF Serving reads its models from a config file: " + tfServing.path("command"));
        Manifests.copyTree(testModel, volume.resolve("served/123"));
        Files.writeString(configFile, "model_config_list { config { name: \"served\" base_path: \"" + volume.resolve("served")
            + "\" model_platform: \"tensorflow\" } }\n");
        int rest;
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            rest = socket.getLocalPort();
        }
        // Later flags win: ports and address for a test, the rest as the container has them
        args.addAll(List.of("--port=0", "--rest_api_port=" + rest, "--host=127.0.0.1"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m", "-jar", jar.toString()));
        command.addAll(args);
        Path log = volume.resolve("model-server.log");
        Process server = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            var client = HttpClient.newHttpClient();
            var status = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rest + "/v1/models/served"))
                .timeout(Duration.ofSeconds(5)).build();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            String body = "";
            while (!body.contains("AVAILABLE")) {
                assertTrue(server.isAlive(), "the model server stopped with " + args + ": " + Files.readString(log));
                assertTrue(System.nanoTime() < deadline, "not AVAILABLE within 120 s: " + body + "\n" + Files.readString(log));
                Thread.sleep(200);
                try {
                    body = client.send(status, HttpResponse.BodyHandlers.ofString()).body();
                } catch (IOException notYet) {
                    body = "";
                }
            }
            var predict = HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + rest + "/v1/models/served:predict"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [1.0, 2.0]}")).build();
            assertEquals("{\"predictions\":[2.5,3.0]}",
                client.send(predict, HttpResponse.BodyHandlers.ofString()).body().replaceAll("\\s", ""));
        } finally {
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor();
            }
        }
    }

    private static final Map<List<String>, String> RESOLVED = new ConcurrentHashMap<>();

    /** {@code docker-compose -f ... config}, read once per list of files. */
    private static JsonNode resolved(List<String> files) {
        String yaml = RESOLVED.computeIfAbsent(files, ComposeTest::config);
        return Manifests.documents(yaml).get(0);
    }

    private static String config(List<String> files) {
        List<String> command = new ArrayList<>(List.of("docker-compose"));
        files.forEach(f -> {
            command.add("-f");
            command.add(f);
        });
        command.add("config");
        return Manifests.run(command, "docker-compose");
    }

    private static List<String> mounts(JsonNode service) {
        List<String> mounts = new ArrayList<>();
        for (JsonNode volume : service.path("volumes")) {
            mounts.add(volume.isTextual() ? volume.asText().replaceAll(":rw$", "")
                    : volume.path("source").asText() + ":" + volume.path("target").asText());
        }
        return mounts;
    }
}
