package dev.tffashion.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.contracts.TensorValue;
import dev.tffashion.pipeline.kafka.CloudEventHeaders;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.store.ContentRef;
import dev.tffashion.pipeline.store.Contents;
import dev.tffashion.pipeline.store.FileContentStore;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The bad input catalogue against the packaged pipeline (kafka-local and the five services as processes): each bad input is
 * delivered as a user or a broken upstream would send it (an HTTP drop to file-drop, or a record produced straight onto a consumed
 * topic) and must end in its expected outcome (an HTTP status with a JSON error, or a dead letter with its reason on
 * {@code tf-fashion.<task>.dlq}); a good value sent after the bad ones on each consumed topic must still be processed, and every
 * service must still be alive and ready at the end. Prints the catalogue and writes it to {@code target/bad-input.md}. Reads every
 * tf-fashion.* topic ({@link TopicRecorder}); writes bad records to the consumed topics.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputIT {

    private static final String SCRIPTS = "tf-fashion.scriptInput.droppedFile";
    private static final String IMAGES = "tf-fashion.imageInput.droppedFile";
    private static final String MODELS = "tf-fashion.learn.model";
    private static final String ENDPOINTS = "tf-fashion.serve.endpoint";
    private static final String TENSORS = "tf-fashion.imageConvert.tensor";
    private static final String PREDICTIONS = "tf-fashion.predict.prediction";
    private static final String STATUS = "tf-fashion.status";
    private static final String REASON = "dead-letter-reason";
    private static final Duration DEAD_LETTER_WAIT = Duration.ofSeconds(45);
    private static final Duration VALUE_WAIT = Duration.ofSeconds(90);
    private static final long HUNDRED_MB = 100L * 1024 * 1024;

    private static final Catalogue CATALOGUE = new Catalogue();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();

    private static Path root;
    private static Path work;
    private static PipelineProcesses pipeline;
    private static TopicRecorder topics;
    private static KafkaProducer<String, byte[]> producer;
    private static FileContentStore store;
    private static Map<String, Long> pidsAtStart;
    private static Optional<String> python;
    private static List<String> frozen = List.of();
    private static long suiteStarted;
    private static TopicRecorder.Seen firstEndpoint;
    private static TopicRecorder.Seen firstModel;

    @BeforeAll
    static void startPipeline() throws IOException {
        suiteStarted = System.nanoTime();
        root = PipelineProcesses.projectRoot();
        work = Files.createDirectories(root.resolve("tests/e2e/target/e2e")).resolve("bad-input-" + System.currentTimeMillis());
        python = findPython();
        var learn = new ArrayList<String>();
        python.ifPresent(p -> learn.addAll(List.of("-Dlearn.python.command=" + p, "-Dlearn.python.timeout=4s")));
        frozen = AppSnapshot.freeze(root, work.resolve("apps"));
        pipeline = PipelineProcesses.start(work, Map.of("learn", learn));
        pidsAtStart = pipeline.pids();
        topics = new TopicRecorder(pipeline.bootstrap(), "tf-fashion");
        var props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrap());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        store = new FileContentStore(work.resolve("store"));
    }

    @AfterAll
    static void stopPipeline() throws Exception {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (topics != null) {
            topics.close();
        }
        if (pipeline != null) {
            pipeline.close();
        }
        AppSnapshot.thaw(frozen);
        System.out.println("\nbad-input catalogue (" + work + "):\n" + CATALOGUE.text());
        var file = root.resolve("tests/e2e/target/bad-input.md");
        CATALOGUE.write(file);
        System.out.printf("bad-input: %d cases (%s), table in %s; suite took %.1f s%n", CATALOGUE.rows().size(),
            CATALOGUE.counts(), file, (System.nanoTime() - suiteStarted) / 1e9);
    }

    @Test
    @Order(1)
    void fileDropRefusesBadDropsWithJsonErrors() throws Exception {
        requireHealthy();
        var group = "http";
        var png = root.resolve("samples/images/00-tshirt-top.png");
        var jpeg = root.resolve("samples/images/07-sneaker-photo.jpg");
        refused(group, "empty body (picture)", "POST /imageInput, 0 bytes", 400, "empty",
            raw("imageInput", "empty.png", new byte[0]));
        refused(group, "empty body (script)", "POST /scriptInput, 0 bytes", 400, "empty",
            raw("scriptInput", "empty.yaml", new byte[0]));
        refused(group, "truncated PNG", "POST /imageInput, first half of a PNG", 422, "cut short|truncated",
            raw("imageInput", "half.png", BadPayloads.truncated(png)));
        refused(group, "truncated JPEG", "POST /imageInput, first half of a JPEG", 422, "cut short|truncated",
            raw("imageInput", "half.jpg", BadPayloads.truncated(jpeg)));
        refused(group, "text as image", "POST /imageInput, plain text", 415, "not a picture",
            raw("imageInput", "notes.png", "a shirt, size M, blue\n".getBytes(StandardCharsets.UTF_8)));
        refused(group, "SVG", "POST /imageInput, an SVG picture", 415, "SVG",
            raw("imageInput", "shirt.svg", BadPayloads.SVG.getBytes(StandardCharsets.UTF_8)));
        byte[] bomb = BadPayloads.pngBomb(20000);
        refused(group, "decompression bomb", "POST /imageInput, " + bomb.length / 1024 + " KB PNG of 20000x20000 pixels", 413, "pixels",
            raw("imageInput", "bomb.png", bomb));
        refused(group, "binary as script", "POST /scriptInput, 64 KB ELF binary", 415, "binary",
            raw("scriptInput", "train.py", BadPayloads.binary(64 * 1024)));
        refused(group, "100 MB upload (raw)", "POST /imageInput, 100 MB, Content-Length, Expect: 100-continue (as curl)", 413,
            "limit|larger",
            () -> post("/imageInput?name=huge.png", HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                () -> BadPayloads.zeros(new byte[0], HUNDRED_MB, new byte[0])), HUNDRED_MB), "application/octet-stream", true));
        var boundary = "bad-input-" + System.nanoTime();
        byte[] head = multipartHead(boundary, "huge.png", "image/png");
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        refused(group, "100 MB upload (multipart)", "POST /imageInput, multipart, 100 MB file part", 413, "limit|larger",
            () -> post("/imageInput", HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                () -> BadPayloads.zeros(head, HUNDRED_MB, tail)), head.length + HUNDRED_MB + tail.length),
                "multipart/form-data; boundary=" + boundary, false));
        refused(group, "100 MB upload (chunked)", "POST /imageInput, 100 MB, chunked, no Content-Length", 413, "limit|larger",
            () -> post("/imageInput?name=huge.png", HttpRequest.BodyPublishers.ofInputStream(
                () -> BadPayloads.zeros(new byte[0], HUNDRED_MB, new byte[0])), "application/octet-stream", false));

        byte[] picture = Files.readAllBytes(png);
        var twoFiles = new ByteArrayOutputStream();
        twoFiles.writeBytes(multipartHead(boundary, "a.png", "image/png"));
        twoFiles.writeBytes(picture);
        twoFiles.writeBytes(("\r\n").getBytes(StandardCharsets.US_ASCII));
        twoFiles.writeBytes(multipartHead(boundary, "b.png", "image/png"));
        twoFiles.writeBytes(picture);
        twoFiles.writeBytes(tail);
        refused(group, "two files in one form", "POST /imageInput, multipart, two parts 'file' (a.png, b.png)", 400, "2 files",
            () -> post("/imageInput", HttpRequest.BodyPublishers.ofByteArray(twoFiles.toByteArray()),
                "multipart/form-data; boundary=" + boundary, false));
        byte[] quick = Files.readAllBytes(root.resolve("samples/recipes/quick.yaml"));
        byte[] oneLine = new String(quick, StandardCharsets.UTF_8).replace("\r", "").replace("\n", "").getBytes(StandardCharsets.UTF_8);
        refused(group, "recipe sent with curl -d", "POST /scriptInput, samples/recipes/quick.yaml without its line breaks, as"
            + " application/x-www-form-urlencoded", 400, "one line",
            () -> post("/scriptInput", HttpRequest.BodyPublishers.ofByteArray(oneLine), "application/x-www-form-urlencoded", false));
        traversal(group, "path traversal (multipart)", "../../../../etc/cron.d/passwd.png", "passwd.png", picture, true);
        traversal(group, "path traversal (Windows)", "..\\..\\Windows\\System32\\evil.png", "evil.png", picture, true);
        traversal(group, "path traversal (?name=)", "../../.ssh/authorized_keys.png", "authorized_keys.png", picture, false);
        traversal(group, "file name only '..'", "..", null, picture, true);
        assertGroup(group);
    }

    @Test
    @Order(2)
    void learnDeadLettersBadScriptsAndGoesOn() throws Exception {
        requireHealthy();
        var group = "learn";
        var dlq = "tf-fashion.learn.dlq";
        var waits = new LinkedHashMap<String, Supplier<Catalogue.Observed>>();
        waits.put("malformed YAML", dropThenDeadLetter("malformed.yaml", BadPayloads.MALFORMED_YAML, dlq, "line"));
        waits.put("unknown model type", dropThenDeadLetter("unknown.yaml", BadPayloads.UNKNOWN_MODEL, dlq, "resnet152"));
        waits.put("YAML alias bomb", dropThenDeadLetter("laughs.yaml", BadPayloads.YAML_ALIAS_BOMB, dlq, "alias"));
        var pythonCases = Map.of("Python script exits 1", new String[] {"exit1.py", BadPayloads.PYTHON_EXIT_1, "exited with code 1"},
            "Python script past its limit", new String[] {"forever.py", BadPayloads.PYTHON_FOREVER, "longer than learn.python.timeout"},
            "Python script exports a corrupt SavedModel", new String[] {"corrupt.py", BadPayloads.PYTHON_CORRUPT_MODEL, "saved"});
        for (var name : List.of("Python script exits 1", "Python script past its limit", "Python script exports a corrupt SavedModel")) {
            var c = pythonCases.get(name);
            waits.put(name, python.isEmpty() ? () -> Catalogue.Observed.skipped("not run: no python3 on this machine")
                : dropThenDeadLetter(c[0], c[1], dlq, c[2]));
        }
        waits.put("record not JSON", produceThenDeadLetter(SCRIPTS, "bad-script-not-json", "model: mlp } not JSON {".getBytes(
            StandardCharsets.UTF_8), dlq, "not a valid"));
        waits.put("record JSON null", produceThenDeadLetter(SCRIPTS, "bad-script-json-null", "null".getBytes(StandardCharsets.UTF_8),
            dlq, "null"));
        waits.put("record empty (not a tombstone)", produceThenDeadLetter(SCRIPTS, "bad-script-empty", new byte[0], dlq, "empty"));
        var delivered = Map.of("record not JSON", "record on " + SCRIPTS, "record JSON null", "record on " + SCRIPTS,
            "record empty (not a tombstone)", "record on " + SCRIPTS);
        for (var wait : waits.entrySet()) {
            var name = wait.getKey();
            var how = delivered.getOrDefault(name, "POST /scriptInput");
            CATALOGUE.add(group, name + (delivered.containsKey(name) ? " (learn)" : ""), how,
                (delivered.containsKey(name) ? "" : "202, then ") + "learn.dlq with the reason", wait.getValue().get());
            if (name.equals("Python script past its limit") && python.isPresent()) {
                CATALOGUE.add(group, "Python script's child process stopped", "(the script above spawns 'sleep 300')",
                    "no process left under learn", noChildProcessLeft("learn"));
            }
        }

        var recipe = Files.readAllBytes(root.resolve("samples/recipes/quick.yaml"));
        long started = System.nanoTime();
        var id = pipeline.drop("scriptInput", "quick.yaml", recipe);
        var model = awaitRecord(MODELS, m -> m.sourceIds("script").contains(id), VALUE_WAIT);
        CATALOGUE.add(group, "good recipe after the bad ones", "POST /scriptInput quick.yaml", "learn.model published",
            model.map(m -> Catalogue.Observed.pass(String.format("model %s in %.1f s", abbreviate(m.id(), 12),
                (System.nanoTime() - started) / 1e9))).orElse(Catalogue.Observed.fail("no model within " + VALUE_WAIT.toSeconds() + " s")));
        if (model.isPresent()) {
            firstModel = model.get();
            firstEndpoint = awaitRecord(ENDPOINTS, e -> e.sourceIds("model").contains(firstModel.id()), VALUE_WAIT).orElse(null);
        }
        assertGroup(group);
    }

    @Test
    @Order(3)
    void imageConvertDeadLettersBadRecordsAndGoesOn() throws Exception {
        requireHealthy();
        var group = "imageConvert";
        var dlq = "tf-fashion.imageConvert.dlq";
        var waits = new LinkedHashMap<String, Supplier<Catalogue.Observed>>();
        waits.put("record not JSON (imageConvert)", produceThenDeadLetter(IMAGES, "bad-image-not-json",
            "\u0089PNG not JSON".getBytes(StandardCharsets.UTF_8), dlq, "not an annotated value"));
        var bomb = imageValue(BadPayloads.pngBomb(20000), "image/png", "bomb.png");
        waits.put("decompression bomb past file-drop", produceThenDeadLetter(IMAGES, bomb, dlq, "pixels"));
        var svg = imageValue(BadPayloads.SVG.getBytes(StandardCharsets.UTF_8), "image/svg+xml", "shirt.svg");
        waits.put("SVG past file-drop", produceThenDeadLetter(IMAGES, svg, dlq, "SVG"));
        for (var wait : waits.entrySet()) {
            CATALOGUE.add(group, wait.getKey(), "record on " + IMAGES, "imageConvert.dlq with the reason", wait.getValue().get());
        }
        var id = pipeline.drop("imageInput", "00-tshirt-top.png", Files.readAllBytes(root.resolve("samples/images/00-tshirt-top.png")));
        var tensor = awaitRecord(TENSORS, t -> t.sourceIds("image").contains(id), VALUE_WAIT);
        CATALOGUE.add(group, "good picture after the bad ones", "POST /imageInput", "imageConvert.tensor published",
            tensor.map(t -> Catalogue.Observed.pass("tensor " + abbreviate(t.id(), 12))).orElse(Catalogue.Observed.fail("no tensor")));
        assertGroup(group);
    }

    @Test
    @Order(4)
    void serveRefusesBadModelsAndKeepsServing() throws Exception {
        requireHealthy();
        var group = "serve";
        var dlq = "tf-fashion.serve.dlq";
        assertTrue(firstEndpoint != null, "no model was served by the learn step; nothing to compare with");
        var firstVersion = firstEndpoint.annotation("modelVersion");
        var good = firstModel.annotated();
        var waits = new LinkedHashMap<String, Supplier<Catalogue.Observed>>();
        waits.put("record not JSON (serve)", produceThenDeadLetter(MODELS, "bad-model-not-json", "PK\u0003\u0004 not JSON"
            .getBytes(StandardCharsets.UTF_8), dlq, "not a valid"));
        waits.put("record JSON null (serve)", produceThenDeadLetter(MODELS, "bad-model-json-null", "null".getBytes(StandardCharsets.UTF_8),
            dlq, "null"));
        waits.put("record empty (serve)", produceThenDeadLetter(MODELS, "bad-model-empty", new byte[0], dlq, "empty"));
        byte[] noise = new byte[200_000];
        new Random(3).nextBytes(noise);
        waits.put("archive that is not a tar", modelCase(good, store.put(noise, Contents.TAR), dlq, "archive"));
        waits.put("tar without a SavedModel", modelCase(good, store.put(BadPayloads.tarWithoutSavedModel(), Contents.TAR), dlq,
            "no SavedModel"));
        waits.put("tar with a ../ entry", modelCase(good, store.put(BadPayloads.tarWithTraversal(), Contents.TAR), dlq, "outside"));
        var mismatch = new ContentRef(good.data(), good.mediaType(), good.size(), "0".repeat(64));
        waits.put("checksum does not match", modelCase(good, mismatch, dlq, "sha256"));
        var models = Files.createDirectories(work.resolve("bad-models"));
        waits.put("SavedModel input [-1,5]", modelCase(good, Contents.storeDirectory(store, BadModels.wrongInputShape(
            models.resolve("shape"))), dlq, "784"));
        waits.put("SavedModel without serving_default", modelCase(good, Contents.storeDirectory(store, BadModels.noServingDefault(
            models.resolve("signature"))), dlq, "serving_default"));
        waits.put("SavedModel answering 3 classes", modelCase(good, Contents.storeDirectory(store, BadModels.threeClasses(
            models.resolve("classes"))), dlq, "10"));
        for (var wait : waits.entrySet()) {
            var record = wait.getKey().startsWith("record");
            CATALOGUE.add(group, wait.getKey(), record ? "record on " + MODELS : "learn.model value on " + MODELS,
                "serve.dlq with the reason" + (record ? "" : "; version moved aside"), wait.getValue().get());
        }
        var escaped = pipeline.modelsRoot().resolve("tf-fashion-escaped.txt").normalize();
        var outside = List.of(escaped, work.resolve("tf-fashion-escaped.txt"), root.resolve("tests/e2e/target/tf-fashion-escaped.txt"),
            root.resolve("tests/e2e/tf-fashion-escaped.txt"), root.resolve("tests/tf-fashion-escaped.txt"));
        CATALOGUE.add(group, "tar ../ entry wrote nothing", "(the archive above)", "no file outside the models folder",
            outside.stream().noneMatch(Files::exists) ? Catalogue.Observed.pass("none of " + outside.size() + " places written")
                : Catalogue.Observed.fail("escaped file found"));

        var picture = Files.readAllBytes(root.resolve("samples/images/03-dress.png"));
        var imageId = pipeline.drop("imageInput", "03-dress.png", picture);
        var prediction = awaitPrediction(imageId, VALUE_WAIT);
        CATALOGUE.add(group, "previous version keeps serving", "POST /imageInput after the refusals",
            "prediction by version " + firstVersion, prediction.map(p -> firstVersion.equals(p.annotation("modelVersion"))
                ? Catalogue.Observed.pass("predicted " + p.annotation("className") + " by version " + firstVersion)
                : Catalogue.Observed.fail("predicted by version " + p.annotation("modelVersion")))
                .orElse(Catalogue.Observed.fail("no prediction within " + VALUE_WAIT.toSeconds() + " s")));

        var copy = good.toBuilder().id(ValueIds.random()).createdAt(Instant.now()).build();
        producer.send(record(MODELS, null, copy)).get(30, TimeUnit.SECONDS);
        var endpoint = awaitRecord(ENDPOINTS, e -> e.sourceIds("model").contains(copy.id()), VALUE_WAIT);
        CATALOGUE.add(group, "good model after the bad ones", "learn.model value (the trained model, new id)",
            "served as a new version", endpoint.map(e -> Integer.parseInt(e.annotation("modelVersion")) > Integer.parseInt(firstVersion)
                ? Catalogue.Observed.pass("served as version " + e.annotation("modelVersion"))
                : Catalogue.Observed.fail("announced as version " + e.annotation("modelVersion")))
                .orElse(Catalogue.Observed.fail("no endpoint within " + VALUE_WAIT.toSeconds() + " s")));
        assertGroup(group);
    }

    @Test
    @Order(5)
    void predictAndTheIndexSkipBadRecordsAndGoOn() throws Exception {
        requireHealthy();
        var group = "predict";
        var dlq = "tf-fashion.predict.dlq";
        var latest = topics.of(ENDPOINTS).stream().filter(e -> e.value() != null).reduce((a, b) -> b).orElseThrow();
        var latestVersion = latest.annotation("modelVersion");
        long badAt = System.currentTimeMillis();
        send(ENDPOINTS, null, "bad-endpoint-not-json", "{\"grpcTarget\": not JSON".getBytes(StandardCharsets.UTF_8));
        send(PREDICTIONS, null, "bad-prediction-not-json", "not JSON".getBytes(StandardCharsets.UTF_8));
        send(STATUS, null, "bad-status-not-json", "{{not JSON".getBytes(StandardCharsets.UTF_8));

        var waits = new LinkedHashMap<String, Supplier<Catalogue.Observed>>();
        waits.put("record not JSON (predict)", produceThenDeadLetter(TENSORS, "bad-tensor-not-json",
            "[0.1, 0.2 not JSON".getBytes(StandardCharsets.UTF_8), dlq, "not an annotated value"));
        var five = tensorValue(TensorValue.mediaType(5), TensorValue.littleEndian(new float[] {0.1f, 0.2f, 0.3f, 0.4f, 0.5f}));
        waits.put("tensor of the wrong shape", produceThenDeadLetter(TENSORS, five, dlq, "[5]"));
        var shape = tensorValue(TensorValue.mediaType(28, 28), new byte[20]);
        waits.put("tensor shorter than its shape", produceThenDeadLetter(TENSORS, shape, dlq, "needs 784 float32 values (3136 bytes)"));
        var json = tensorValue("application/json", "{\"shape\":[5],\"values\":[0.1,0.2,0.3,0.4,0.5]}".getBytes(StandardCharsets.UTF_8));
        waits.put("tensor as JSON, not raw float32", produceThenDeadLetter(TENSORS, json, dlq, "raw float32 little-endian"));
        var headless = new RecordHeaders();
        headless.add(CloudEventHeaders.CONTENT_TYPE, TensorValue.mediaType(28, 28).getBytes(StandardCharsets.UTF_8));
        waits.put("raw tensor without its envelope headers", produceThenDeadLetter(TENSORS, "bad-tensor-no-headers", new byte[3136],
            headless, dlq, "no 'ce_id' header"));
        var goodTensor = topics.of(TENSORS, t -> t.annotated() != null && "tensor".equals(t.annotated().type())).get(0);
        var copy = goodTensor.annotated().toBuilder().id(ValueIds.random()).createdAt(Instant.now()).build();
        var nullRecord = "null".getBytes(StandardCharsets.UTF_8);
        var pair = List.of(producer.send(new ProducerRecord<>(TENSORS, 0, "bad-tensor-json-null", nullRecord)),
            producer.send(record(TENSORS, 0, copy)));
        producer.flush();
        for (var sent : pair) {
            sent.get(30, TimeUnit.SECONDS);
        }
        long together = System.currentTimeMillis();
        waits.put("record JSON null beside a good tensor", () -> deadLetter(dlq, "bad-tensor-json-null", "null", DEAD_LETTER_WAIT,
            together));
        for (var wait : waits.entrySet()) {
            CATALOGUE.add(group, wait.getKey(), "record on " + TENSORS, "predict.dlq with the reason", wait.getValue().get());
        }
        var copied = awaitRecord(PREDICTIONS, p -> p.sourceIds("tensor").contains(copy.id()), VALUE_WAIT);
        var copyDead = topics.of(dlq, d -> copy.id().equals(d.key()));
        CATALOGUE.add(group, "good tensor in the same batch", "record on " + TENSORS + " (partition 0, after the null)",
            "predicted, not dead-lettered", copyDead.isEmpty() && copied.isPresent()
                ? Catalogue.Observed.pass("predicted " + copied.get().annotation("className"))
                : Catalogue.Observed.fail(copyDead.isEmpty() ? "no prediction"
                    : "dead-lettered: " + copyDead.get(0).headers().get(REASON)));

        var imageId = pipeline.drop("imageInput", "07-sneaker-photo.jpg", Files.readAllBytes(root.resolve(
            "samples/images/07-sneaker-photo.jpg")));
        var prediction = awaitPrediction(imageId, VALUE_WAIT);
        CATALOGUE.add(group, "record not JSON (serve.endpoint)", "record on " + ENDPOINTS,
            "ignored; predict keeps version " + latestVersion, prediction.map(p -> latestVersion.equals(p.annotation("modelVersion"))
                ? Catalogue.Observed.pass("next picture predicted by version " + latestVersion)
                : Catalogue.Observed.fail("predicted by version " + p.annotation("modelVersion")))
                .orElse(Catalogue.Observed.fail("no prediction within " + VALUE_WAIT.toSeconds() + " s")));
        // file-drop's index reads the topics with fetches of up to 100 ms (its DESIGN.md), so a client that saw the prediction
        // record on Kafka asks again, as the 404's "retry shortly" says, for a few seconds at most
        var answer = pipeline.get(pipeline.fileDrop().resolve("/v1/predictions/" + imageId));
        for (long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos(); answer.statusCode() != 200
                && System.nanoTime() < deadline;) {
            Thread.sleep(100);
            answer = pipeline.get(pipeline.fileDrop().resolve("/v1/predictions/" + imageId));
        }
        CATALOGUE.add(group, "record not JSON (predict.prediction)", "record on " + PREDICTIONS,
            "file-drop index skips it; later predictions served", answer.statusCode() == 200
                ? Catalogue.Observed.pass("GET /v1/predictions/{id} of the next picture: 200")
                : Catalogue.Observed.fail("GET /v1/predictions/{id}: " + answer.statusCode() + " " + abbreviate(answer.body(), 80)));
        CATALOGUE.add(group, "record not JSON (status)", "record on " + STATUS, "file-drop index skips it; later status shown",
            statusAfter("predict", badAt));
        assertGroup(group);
    }

    /** Last of the record cases: before the fix, a JSON null on the picture topic stopped image-convert's consumer for good. */
    @Test
    @Order(6)
    void imageConvertGoesOnAfterAJsonNullRecord() throws Exception {
        requireHealthy();
        var group = "imageConvert-null";
        var dlq = "tf-fashion.imageConvert.dlq";
        CATALOGUE.add(group, "record JSON null (imageConvert)", "record on " + IMAGES, "imageConvert.dlq with the reason",
            produceThenDeadLetter(IMAGES, "bad-image-json-null", "null".getBytes(StandardCharsets.UTF_8), dlq, "null").get());
        var id = pipeline.drop("imageInput", "05-sandal-photo.bmp", Files.readAllBytes(root.resolve("samples/images/05-sandal-photo.bmp")));
        var tensor = awaitRecord(TENSORS, t -> t.sourceIds("image").contains(id), Duration.ofSeconds(30));
        CATALOGUE.add(group, "good picture after the JSON null", "POST /imageInput", "imageConvert.tensor published",
            tensor.map(t -> Catalogue.Observed.pass("tensor " + abbreviate(t.id(), 12)))
                .orElse(Catalogue.Observed.fail("no tensor within 30 s: the consumer stopped")));
        assertGroup(group);
    }

    @Test
    @Order(7)
    void everyServiceIsStillAliveAndReady() throws Exception {
        var group = "alive";
        var ports = servicePorts();
        for (var entry : pidsAtStart.entrySet()) {
            var name = entry.getKey();
            var alive = ProcessHandle.of(entry.getValue()).map(ProcessHandle::isAlive).orElse(false);
            var samePid = entry.getValue().equals(pipeline.pids().get(name));
            String ready = "";
            boolean isReady = true;
            if (ports.containsKey(name)) {
                var response = pipeline.get(URI.create("http://127.0.0.1:" + ports.get(name) + "/q/health/ready"));
                isReady = response.statusCode() == 200;
                ready = ", /q/health/ready " + response.statusCode();
            }
            CATALOGUE.add(group, name + " alive and ready", "(after all cases)", "same process, ready",
                new Catalogue.Observed("pid " + entry.getValue() + (alive ? " alive" : " gone") + (samePid ? "" : ", restarted") + ready,
                    alive && samePid && isReady));
        }
        assertGroup(group);
    }

    // ---------------------------------------------------------------------------------------------------------------- delivery

    /** An HTTP answer, or the I/O failure that took its place. */
    private record Answer(int status, String body, String failure) {
    }

    private interface Request {
        Answer send() throws Exception;
    }

    private static Request raw(String task, String name, byte[] bytes) {
        return () -> post("/" + task + "?name=" + name, HttpRequest.BodyPublishers.ofByteArray(bytes), "application/octet-stream", false);
    }

    private static Answer post(String path, HttpRequest.BodyPublisher body, String contentType, boolean expectContinue) {
        var request = HttpRequest.newBuilder(pipeline.fileDrop().resolve(path)).timeout(Duration.ofSeconds(30))
            .header("Content-Type", contentType).expectContinue(expectContinue).POST(body).build();
        try {
            var response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body(), null);
        } catch (IOException e) {
            return new Answer(0, "", e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, "", "interrupted");
        }
    }

    private static byte[] multipartHead(String boundary, String fileName, String type) {
        return ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName.replace("\\", "\\\\")
            + "\"\r\nContent-Type: " + type + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] multipart(String boundary, String fileName, byte[] content) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(multipartHead(boundary, fileName, "image/png"));
        out.writeBytes(content);
        out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** A drop that must be refused with this status and a JSON error whose text names the reason ({@code errorHas}). */
    private static void refused(String group, String name, String deliveredAs, int status, String errorHas, Request request) {
        long started = System.nanoTime();
        Catalogue.Observed observed;
        try {
            var answer = request.send();
            double ms = (System.nanoTime() - started) / 1e6;
            if (answer.failure() != null) {
                observed = Catalogue.Observed.fail(String.format("no answer after %.0f ms: %s", ms, abbreviate(answer.failure(), 80)));
                CATALOGUE.add(group, name, deliveredAs, expected(status, errorHas), observed);
                requireHealthy();
                return;
            } else {
                JsonNode json = null;
                try {
                    json = Jsons.read(answer.body());
                } catch (IllegalArgumentException notJson) {
                    json = null;
                }
                boolean clear = json != null && !json.path("hint").asText("").isBlank() && names(json.path("error").asText(""), errorHas);
                var text = answer.status() + " " + (json == null ? "(not JSON: '" + abbreviate(answer.body(), 40) + "')"
                    : "\"" + abbreviate(json.path("error").asText(), 70) + "\"");
                observed = new Catalogue.Observed(text, answer.status() == status && clear);
            }
        } catch (Exception e) {
            observed = Catalogue.Observed.fail("test error: " + e);
        }
        CATALOGUE.add(group, name, deliveredAs, expected(status, errorHas), observed);
    }

    /** Whether the text names one of the {@code |}-separated phrases, ignoring case. */
    private static boolean names(String text, String phrases) {
        var lower = text.toLowerCase(java.util.Locale.ROOT);
        return java.util.Arrays.stream(phrases.split("\\|")).anyMatch(p -> lower.contains(p.toLowerCase(java.util.Locale.ROOT)));
    }

    private static String expected(int status, String errorHas) {
        return status + " + JSON {error naming '" + errorHas + "', hint}";
    }

    private static void traversal(String group, String name, String fileName, String expected, byte[] picture, boolean multipart) {
        Catalogue.Observed observed;
        try {
            Answer answer;
            if (multipart) {
                var boundary = "bad-input-" + System.nanoTime();
                answer = post("/imageInput", HttpRequest.BodyPublishers.ofByteArray(multipart(boundary, fileName, picture)),
                    "multipart/form-data; boundary=" + boundary, false);
            } else {
                answer = post("/imageInput?name=" + java.net.URLEncoder.encode(fileName, StandardCharsets.UTF_8),
                    HttpRequest.BodyPublishers.ofByteArray(picture), "image/png", false);
            }
            if (answer.status() != 202) {
                observed = Catalogue.Observed.fail(answer.status() + " " + abbreviate(answer.body() + answer.failure(), 80));
            } else {
                var id = Jsons.read(answer.body()).path("id").asText();
                var value = Jsons.read(pipeline.get(pipeline.fileDrop().resolve("/v1/values/" + id)).body());
                var kept = value.path("annotations").path("fileName");
                var got = kept.isMissingNode() || kept.isNull() ? null : kept.asText();
                observed = new Catalogue.Observed("202, fileName " + (got == null ? "absent" : "'" + got + "'"),
                    expected == null ? got == null : expected.equals(got));
            }
        } catch (Exception e) {
            observed = Catalogue.Observed.fail("test error: " + e);
        }
        CATALOGUE.add(group, name, (multipart ? "POST /imageInput multipart, filename=" : "POST /imageInput?name=") + fileName,
            "202, fileName " + (expected == null ? "absent" : "'" + expected + "'"), observed);
    }

    /** Drops a script over HTTP now; the returned wait expects its dead letter. */
    private static Supplier<Catalogue.Observed> dropThenDeadLetter(String name, String script, String dlq, String reasonHas) {
        var answer = post("/scriptInput?name=" + name, HttpRequest.BodyPublishers.ofString(script), "application/octet-stream", false);
        if (answer.status() != 202) {
            return () -> Catalogue.Observed.fail("drop answered " + answer.status() + " " + abbreviate(answer.body(), 60));
        }
        var id = Jsons.read(answer.body()).path("id").asText();
        long delivered = System.currentTimeMillis();
        return () -> deadLetter(dlq, id, reasonHas, DEAD_LETTER_WAIT, delivered);
    }

    /** Produces a record now; the returned wait expects its dead letter. */
    private static Supplier<Catalogue.Observed> produceThenDeadLetter(String topic, String key, byte[] value, String dlq,
            String reasonHas) {
        return produceThenDeadLetter(topic, key, value, new RecordHeaders(), dlq, reasonHas);
    }

    /** Produces a value as the pipeline writes it (envelope headers, a tensor as raw bytes); the wait expects its dead letter. */
    private static Supplier<Catalogue.Observed> produceThenDeadLetter(String topic, AnnotatedValue value, String dlq, String reasonHas) {
        RecordHeaders headers = new RecordHeaders();
        return produceThenDeadLetter(topic, value.id(), ValueRecords.encode(value, headers), headers, dlq, reasonHas);
    }

    private static Supplier<Catalogue.Observed> produceThenDeadLetter(String topic, String key, byte[] value, RecordHeaders headers,
            String dlq, String reasonHas) {
        try {
            producer.send(new ProducerRecord<>(topic, null, key, value, headers)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            return () -> Catalogue.Observed.fail("could not produce: " + e);
        }
        long delivered = System.currentTimeMillis();
        return () -> deadLetter(dlq, key, reasonHas, DEAD_LETTER_WAIT, delivered);
    }

    /** Produces a learn.model value for the content; the wait expects its dead letter (and fails fast if it gets served). */
    private static Supplier<Catalogue.Observed> modelCase(AnnotatedValue template, ContentRef content, String dlq, String reasonHas) {
        var value = template.toBuilder().id(ValueIds.random()).content(content).createdAt(Instant.now()).build();
        var sent = produceThenDeadLetter(MODELS, value, dlq, reasonHas);
        return () -> {
            try {
                await().atMost(DEAD_LETTER_WAIT).pollInterval(Duration.ofMillis(100)).until(() ->
                    !topics.of(dlq, d -> value.id().equals(d.key())).isEmpty()
                        || !topics.of(ENDPOINTS, e -> e.sourceIds("model").contains(value.id())).isEmpty());
            } catch (ConditionTimeoutException e) {
                return Catalogue.Observed.fail("neither refused nor served within " + DEAD_LETTER_WAIT.toSeconds() + " s");
            }
            var served = topics.of(ENDPOINTS, e -> e.sourceIds("model").contains(value.id()));
            if (!served.isEmpty()) {
                return Catalogue.Observed.fail("SERVED as version " + served.get(0).annotation("modelVersion"));
            }
            return sent.get();
        };
    }

    private static void send(String topic, Integer partition, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, partition, key, value)).get(30, TimeUnit.SECONDS);
    }

    private static AnnotatedValue imageValue(byte[] content, String mediaType, String fileName) {
        return AnnotatedValue.builder().id(ValueIds.random()).pipeline("tf-fashion").task("imageInput").output("droppedFile")
            .type("imageFile").content(Contents.store(store, content, mediaType)).createdAt(Instant.now())
            .annotation("fileName", fileName).build();
    }

    private static ProducerRecord<String, byte[]> record(String topic, Integer partition, AnnotatedValue value) {
        RecordHeaders headers = new RecordHeaders();
        return new ProducerRecord<>(topic, partition, value.id(), ValueRecords.encode(value, headers), headers);
    }

    /** A tensor value whose content is the given bytes, stated as the given media type. */
    private static AnnotatedValue tensorValue(String mediaType, byte[] content) {
        return AnnotatedValue.builder().id(ValueIds.random()).pipeline("tf-fashion").task("imageConvert").output("tensor")
            .type("tensor").content(Contents.inline(content, mediaType))
            .sourceInput("image", ValueIds.random()).createdAt(Instant.now()).build();
    }

    // ---------------------------------------------------------------------------------------------------------------- outcomes

    /** Waits for the dead letter keyed {@code key}; the time shown runs from the delivery to when the recorder read it. */
    private static Catalogue.Observed deadLetter(String dlq, String key, String reasonHas, Duration within, long deliveredMillis) {
        Optional<TopicRecorder.Seen> letter = awaitRecord(dlq, d -> key.equals(d.key()), within);
        if (letter.isEmpty()) {
            return Catalogue.Observed.fail("no dead letter within " + within.toSeconds() + " s");
        }
        if (reasonHas == null || reasonHas.isBlank()) {
            return Catalogue.Observed.fail("test defect: the case names no reason to expect in the dead letter");
        }
        var reason = letter.get().headers().get(REASON);
        var text = String.format("dead letter %.1f s after delivery: \"%s\"", (letter.get().receivedAtMillis() - deliveredMillis) / 1e3,
            reason == null ? "(no reason header)" : abbreviate(reason, 90));
        return new Catalogue.Observed(text, reason != null && !reason.isBlank()
            && reason.toLowerCase(java.util.Locale.ROOT).contains(reasonHas.toLowerCase(java.util.Locale.ROOT)));
    }

    private static Optional<TopicRecorder.Seen> awaitRecord(String topic, Predicate<TopicRecorder.Seen> match, Duration within) {
        try {
            return Optional.of(await().atMost(within).pollInterval(Duration.ofMillis(100))
                .until(() -> topics.of(topic, match), l -> !l.isEmpty()).get(0));
        } catch (ConditionTimeoutException e) {
            return Optional.empty();
        }
    }

    private static Optional<TopicRecorder.Seen> awaitPrediction(String imageId, Duration within) {
        var tensor = awaitRecord(TENSORS, t -> t.sourceIds("image").contains(imageId), within);
        return tensor.flatMap(t -> awaitRecord(PREDICTIONS, p -> p.sourceIds("tensor").contains(t.id()), within));
    }

    private static Catalogue.Observed noChildProcessLeft(String service) {
        var handle = ProcessHandle.of(pidsAtStart.get(service));
        if (handle.isEmpty()) {
            return Catalogue.Observed.fail(service + " is gone");
        }
        try {
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> handle.get().descendants().noneMatch(ProcessHandle::isAlive));
            return Catalogue.Observed.pass("none");
        } catch (ConditionTimeoutException e) {
            return Catalogue.Observed.fail("left: " + handle.get().descendants()
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList());
        }
    }

    private static Catalogue.Observed statusAfter(String task, long afterMillis) {
        try {
            var seen = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                var body = Jsons.read(pipeline.get(pipeline.fileDrop().resolve("/v1/pipeline")).body());
                var at = body.path("status").path(task).path("updatedAt").asText("");
                return at.isEmpty() ? null : Instant.parse(at);
            }, at -> at != null && at.toEpochMilli() > afterMillis);
            return Catalogue.Observed.pass("GET /v1/pipeline shows " + task + "'s status of " + seen);
        } catch (ConditionTimeoutException e) {
            return Catalogue.Observed.fail("GET /v1/pipeline shows no " + task + " status newer than the bad record");
        }
    }

    /** Each service's HTTP port, from the "Listening on" line of its log (PipelineProcesses keeps them private). */
    private static Map<String, Integer> servicePorts() throws IOException {
        var ports = new LinkedHashMap<String, Integer>();
        var listening = Pattern.compile("Listening on: http://127\\.0\\.0\\.1:(\\d+)");
        for (var service : PipelineProcesses.SERVICES) {
            var matcher = listening.matcher(Files.readString(pipeline.log(service), StandardCharsets.UTF_8));
            while (matcher.find()) {
                ports.put(service, Integer.parseInt(matcher.group(1)));
            }
        }
        return ports;
    }

    private static Optional<String> findPython() {
        try {
            var process = new ProcessBuilder("python3", "-c", "import sys; print(sys.executable)").redirectErrorStream(true).start();
            if (!process.waitFor(20, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                return Optional.empty();
            }
            var path = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return Files.isExecutable(Path.of(path)) ? Optional.of(path) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Fails the current step at once when a process died or file-drop does not answer: every later case would only time out. */
    private static void requireHealthy() {
        for (var entry : pidsAtStart.entrySet()) {
            if (!ProcessHandle.of(entry.getValue()).map(ProcessHandle::isAlive).orElse(false)) {
                throw new AssertionError(entry.getKey() + " (pid " + entry.getValue() + ") is gone; log " + pipeline.log(entry.getKey()));
            }
        }
        try {
            var status = pipeline.get(pipeline.fileDrop().resolve("/q/health/ready")).statusCode();
            if (status != 200) {
                throw new AssertionError("file-drop is not ready (" + status + "); log " + pipeline.log("file-drop"));
            }
        } catch (IOException e) {
            throw new AssertionError("file-drop does not answer (" + e + "); log " + pipeline.log("file-drop"), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static void assertGroup(String group) {
        var failed = CATALOGUE.failures(group);
        assertTrue(failed.isEmpty(), failed.size() + " case(s) of " + group + " not as expected: " + failed.stream()
            .map(r -> r.name() + " -> " + r.observed().text()).toList());
    }

    private static String abbreviate(String text, int max) {
        if (text == null) {
            return "";
        }
        var line = text.replace('\n', ' ').strip();
        return line.length() > max ? line.substring(0, max) + "..." : line;
    }
}
