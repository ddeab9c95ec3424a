package dev.tffashion.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tffashion.fashionmnist.FashionMnist;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * The packaged pipeline end to end: kafka-local and the five services as separate processes (one pipeline shared by
 * the tests, in order): a recipe trains and serves a model and the sample pictures are classified; predict killed with
 * SIGKILL while images are in flight loses none; a model swap while images flow fails none. Reads every tf-fashion.*
 * topic through {@link TopicRecorder}; drops through file-drop's HTTP API.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineIT {

    private static final String PREDICTIONS = "tf-fashion.predict.prediction";
    private static final String ENDPOINTS = "tf-fashion.serve.endpoint";
    private static final Duration TRAIN_AND_SERVE = Duration.ofMinutes(3);

    private static PipelineProcesses pipeline;
    private static OtlpTestReceiver traces;
    private static TopicRecorder topics;
    private static TestImages images;
    private static Path root;
    private static long suiteStarted;

    @BeforeAll
    static void startPipeline() throws IOException {
        suiteStarted = System.nanoTime();
        root = PipelineProcesses.projectRoot();
        var work = Files.createDirectories(root.resolve("tests/e2e/target/e2e")).resolve("run-" + System.currentTimeMillis());
        // predict is killed with SIGKILL: a short session lets the restarted instance take its partitions in seconds,
        // not after Kafka's default 45 s.
        // Every service traces, exporting to the test's own OTLP receiver (docs/observability.md): the whole suite runs traced
        traces = new OtlpTestReceiver();
        var options = new HashMap<String, List<String>>();
        for (var service : PipelineProcesses.SERVICES) {
            options.put(service, new ArrayList<>(List.of("-Dquarkus.otel.sdk.disabled=false",
                "-Dquarkus.otel.exporter.otlp.traces.endpoint=" + traces.endpoint(), "-Dquarkus.otel.bsp.schedule.delay=500ms")));
        }
        pipeline = PipelineProcesses.start(work, options);
        topics = new TopicRecorder(pipeline.bootstrap(), "tf-fashion");
        images = TestImages.load();
    }

    @AfterAll
    static void stopPipeline() throws InterruptedException {
        if (topics != null) {
            topics.close();
        }
        if (pipeline != null) {
            pipeline.close();
        }
        if (traces != null) {
            traces.close();
        }
        System.out.printf("e2e: suite took %.1f s%n", (System.nanoTime() - suiteStarted) / 1e9);
    }

    @Test
    @Order(1)
    void recipeTrainsServesAndClassifiesTheSamplePictures() throws Exception {
        long started = System.nanoTime();
        var recipe = root.resolve("samples/recipes/quick.yaml");
        var endpoint = trainAndServe(Files.readAllBytes(recipe), "quick.yaml");
        System.out.printf("e2e(a): recipe to served model in %.1f s: version %s at %s, test accuracy %s%n",
            (System.nanoTime() - started) / 1e9, endpoint.annotation("modelVersion"), endpoint.annotation("grpcTarget"),
            endpoint.annotation("testAccuracy"));

        var pictures = Files.list(root.resolve("samples/images"))
            .filter(p -> p.getFileName().toString().matches("\\d\\d-.*\\.(png|jpg|gif|bmp)"))
            .sorted().toList();
        assertEquals(10, pictures.size(), "samples/images should hold the 10 pictures 00-... to 09-...");
        var ids = new LinkedHashMap<Path, String>();
        long dropped = System.nanoTime();
        for (var picture : pictures) {
            ids.put(picture, pipeline.drop("imageInput", picture.getFileName().toString(), Files.readAllBytes(picture)));
        }
        var answers = new HashMap<Path, JsonNode>();
        await("predictions of the 10 sample pictures via GET /v1/predictions/{id}").atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200)).until(() -> {
                for (var entry : ids.entrySet()) {
                    if (!answers.containsKey(entry.getKey())) {
                        var response = pipeline.get(pipeline.fileDrop().resolve("/v1/predictions/" + entry.getValue()));
                        if (response.statusCode() == 200) {
                            answers.put(entry.getKey(), Jsons.read(response.body()));
                        }
                    }
                }
                return answers.size() == ids.size();
            });
        System.out.printf("e2e(a): 10 pictures dropped to 10 predictions in %.2f s%n", (System.nanoTime() - dropped) / 1e9);
        int right = 0;
        System.out.printf("%-36s %-12s %-6s %-7s %s%n", "file", "predicted", "score", "version", "expected");
        for (var picture : pictures) {
            var answer = answers.get(picture);
            var name = picture.getFileName().toString();
            var expected = FashionMnist.className(Integer.parseInt(name.substring(0, 2)));
            var predicted = answer.path("className").asText();
            boolean ok = expected.equals(predicted);
            right += ok ? 1 : 0;
            System.out.printf("%-36s %-12s %-6.3f %-7s %s%s%n", name, predicted, answer.path("score").asDouble(),
                answer.path("model").path("version").asText(), expected, ok ? "" : "  <- wrong");
        }
        System.out.printf("e2e(a): %d of 10 right%n", right);
        assertTrue(right >= 6, "most of the 10 sample pictures should be classified right, got " + right);
    }

    @Test
    @Order(2)
    void onePictureIsOneTraceAcrossEveryHop() throws Exception {
        awaitAnyEndpoint();
        // A client that traces its own request: the picture's trace is the client's, the drop span the child of its span
        String clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
        String clientSpan = "00f067aa0ba902b7";
        String id = pipeline.drop("imageInput", "trace.png", images.png(images.count() - 1),
            Map.of("traceparent", "00-" + clientTrace + "-" + clientSpan + "-01"));
        await("the prediction of " + id).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
            .until(() -> pipeline.get(pipeline.fileDrop().resolve("/v1/predictions/" + id)).statusCode() == 200);
        var drop = new OtlpTestReceiver.ReceivedSpan[1];
        var expected = Set.of("file-drop", "image-convert", "predict", "model-server");
        var seen = new TreeMap<String, List<String>>();
        await("one trace of " + id + " with spans from " + expected + " (refused: " + traces.refused() + ")")
            .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
                var spans = traces.spans();
                drop[0] = spans.stream().filter(s -> s.name().equals("drop") && id.equals(s.attributes().get("tffashion.output.id")))
                    .findFirst().orElse(null);
                if (drop[0] == null) {
                    return false;
                }
                seen.clear();
                for (var span : spans) {
                    if (span.traceId().equals(drop[0].traceId())) {
                        // The model server runs inside serve-manager: its spans are gRPC SERVER spans of the Predict method
                        String from = span.service().equals("serve-manager") && span.kind().equals("SPAN_KIND_SERVER")
                            && span.name().endsWith("PredictionService/Predict") ? "model-server" : span.service();
                        seen.computeIfAbsent(from, k -> new ArrayList<>()).add(span.name());
                    }
                }
                // each service exports its spans in batches of its own: the hops' spans below, not only some span of each service
                var names = seen.values().stream().flatMap(List::stream).toList();
                return seen.keySet().containsAll(expected) && names.contains("imageConvert process") && names.contains("predict process");
            });
        System.out.printf("e2e: the trace %s of picture %s: %s%n", drop[0].traceId(), id, seen);
        assertEquals(clientTrace, drop[0].traceId(), "the drop continues the trace of the client's traceparent");
        assertEquals(clientSpan, drop[0].parentSpanId(), "the drop span is the child of the client's span");
        // The hops are parent and child through the records' headers: drop -> imageConvert process -> predict process
        var spans = traces.spans().stream().filter(s -> s.traceId().equals(drop[0].traceId())).toList();
        var convert = spans.stream().filter(s -> s.name().equals("imageConvert process")).findFirst().orElseThrow();
        var predict = spans.stream().filter(s -> s.name().equals("predict process")).findFirst().orElseThrow();
        assertEquals(drop[0].spanId(), convert.parentSpanId(), "imageConvert's span is the child of the drop's, through the headers");
        assertEquals(convert.spanId(), predict.parentSpanId(), "predict's span is the child of imageConvert's, through the headers");
        assertTrue(convert.attributes().containsKey("tffashion.output.id"), "imageConvert's span names the tensor it made");

        // file-drop's own receiver answers the same trace as a timeline, fed with the exports the services sent here
        var http = java.net.http.HttpClient.newHttpClient();
        for (byte[] export : traces.exports()) {
            var response = http.send(java.net.http.HttpRequest.newBuilder(pipeline.fileDrop().resolve("/v1/traces"))
                .header("Content-Type", "application/x-protobuf").POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(export))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), "file-drop's POST /v1/traces: " + response.body());
        }
        var timeline = pipeline.get(pipeline.fileDrop().resolve("/v1/predictions/" + id + "/trace"));
        assertEquals(200, timeline.statusCode(), timeline.body());
        var trace = Jsons.read(timeline.body());
        assertEquals(drop[0].traceId(), trace.path("traceId").asText());
        var hops = new ArrayList<String>();
        trace.path("hops").forEach(h -> hops.add(h.path("hop").asText() + "@" + h.path("service").asText()));
        assertEquals(List.of("drop@file-drop", "imageConvert@image-convert", "predict@predict", "answer@predict"), hops,
            timeline.body());
        var services = new HashSet<String>();
        trace.path("spans").forEach(span -> services.add(span.path("service").asText()));
        assertTrue(services.containsAll(Set.of("file-drop", "image-convert", "predict", "serve-manager")), timeline.body());

        // The training path is traced too: the recipe of test (a) trained with one span per epoch, under learn's recipe span
        var learnSpans = traces.spans().stream().filter(s -> s.service().equals("learn")).toList();
        var epochs = learnSpans.stream().filter(s -> s.name().startsWith("epoch ")).toList();
        assertFalse(epochs.isEmpty(), "learn's spans have no epoch: " + learnSpans.stream().map(s -> s.name()).toList());
        var recipeSpan = learnSpans.stream().filter(s -> s.spanId().equals(epochs.get(0).parentSpanId())).findFirst();
        assertTrue(recipeSpan.isPresent() && recipeSpan.get().name().endsWith(" process"),
            "the epoch spans are children of learn's span of the recipe: " + recipeSpan);
        assertTrue(epochs.get(0).attributes().containsKey("tffashion.loss"), "an epoch span carries its loss: " + epochs.get(0));
    }

    @Test
    @Order(3)
    void predictKilledWhileImagesAreInFlightLosesNone() throws Exception {
        awaitAnyEndpoint();
        int count = 200;
        var ids = new CopyOnWriteArrayList<String>();
        var indexOf = new ConcurrentHashMap<String, Integer>();
        var pool = Executors.newFixedThreadPool(2);
        try {
            long started = System.nanoTime();
            var drops = new ArrayList<Future<?>>();
            for (int t = 0; t < 2; t++) {
                int first = t;
                drops.add(pool.submit(() -> {
                    for (int i = first; i < count; i += 2) {
                        String id = pipeline.drop("imageInput", "test-" + i + ".png", images.png(i));
                        indexOf.put(id, i);
                        ids.add(id);
                    }
                    return null;
                }));
            }
            await("first 20 of the 200 predictions").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> predictionsOf(Set.copyOf(ids)).size() >= 20);
            int before = predictionsOf(Set.copyOf(ids)).size();
            pipeline.kill("predict");
            long killed = System.nanoTime();
            int atKill = distinctImages(predictionsOf(Set.copyOf(ids)));
            System.out.printf("e2e(b): SIGKILL to predict after %d drops, %d predictions (%d images) seen%n", ids.size(), before, atKill);
            for (var drop : drops) {
                drop.get();
            }
            assertEquals(count, ids.size());
            int beforeRestart = distinctImages(predictionsOf(Set.copyOf(ids)));
            assertTrue(beforeRestart < count, "all 200 were predicted before the kill took effect: nothing was in flight");
            pipeline.restart("predict");
            var wanted = Set.copyOf(ids);
            await("predictions of all 200 images after predict's restart").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(100)).until(() -> distinctImages(predictionsOf(wanted)) == count);
            System.out.printf("e2e(b): %d images predicted %.1f s after the kill (%.1f s in all); %d were outstanding at the restart%n",
                count, (System.nanoTime() - killed) / 1e9, (System.nanoTime() - started) / 1e9, count - beforeRestart);
            var records = predictionsOf(wanted);
            var valueIdsByImage = new TreeMap<String, Set<String>>();
            for (var record : records) {
                for (var image : record.sourceIds("image")) {
                    valueIdsByImage.computeIfAbsent(image, k -> new HashSet<>()).add(record.id());
                }
            }
            long distinctValues = records.stream().map(TopicRecorder.Seen::id).distinct().count();
            System.out.printf("e2e(b): %d prediction records, %d duplicates (same value id) dropped, %d distinct predictions%n",
                records.size(), records.size() - distinctValues, distinctValues);
            assertEquals(count, valueIdsByImage.size(), "every dropped image has a prediction");
            var multiple = valueIdsByImage.entrySet().stream().filter(e -> e.getValue().size() != 1).toList();
            assertTrue(multiple.isEmpty(), "images with more than one distinct prediction: " + multiple);
            assertEquals(count, distinctValues, "exactly one prediction per image once duplicates are dropped");
            assertAgreesWithInProcessInference(records, indexOf);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Order(4)
    void modelSwapWhileImagesFlowFailsNone() throws Exception {
        var first = awaitAnyEndpoint();
        int firstVersion = Integer.parseInt(first.annotation("modelVersion"));
        int dlqBefore = topics.of("tf-fashion.predict.dlq").size();
        var ids = new CopyOnWriteArrayList<String>();
        var stop = new AtomicBoolean();
        var pool = Executors.newSingleThreadExecutor();
        try {
            var dropper = pool.submit(() -> {
                int i = 1000;
                long next = System.nanoTime();
                while (!stop.get() && ids.size() < 3000) {
                    ids.add(pipeline.drop("imageInput", "swap-" + i + ".png", images.png(i % images.count())));
                    i++;
                    next += 50_000_000L;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                return null;
            });
            var recipe = Files.readString(root.resolve("samples/recipes/quick.yaml"), StandardCharsets.UTF_8)
                .replace("seed: 42", "seed: 7");
            long swapStarted = System.nanoTime();
            var second = trainAndServe(recipe.getBytes(StandardCharsets.UTF_8), "quick-seed-7.yaml");
            int secondVersion = Integer.parseInt(second.annotation("modelVersion"));
            System.out.printf("e2e(c): second model served as version %d (was %d) %.1f s after its drop, %d images dropped meanwhile%n",
                secondVersion, firstVersion, (System.nanoTime() - swapStarted) / 1e9, ids.size());
            assertTrue(secondVersion > firstVersion, "the second model should be a newer version");
            await("20 predictions by version " + secondVersion).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> predictionsOf(Set.copyOf(ids)).stream()
                    .filter(p -> Integer.toString(secondVersion).equals(p.annotation("modelVersion"))).count() >= 20);
            stop.set(true);
            dropper.get();
            var wanted = Set.copyOf(ids);
            await("predictions of all " + wanted.size() + " images dropped across the swap").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(100)).until(() -> distinctImages(predictionsOf(wanted)) == wanted.size());
            var byVersion = new TreeMap<String, Set<String>>();
            for (var prediction : predictionsOf(wanted)) {
                var version = prediction.annotation("modelVersion");
                assertNotNull(version, "prediction " + prediction.id() + " names no model version");
                prediction.sourceIds("image").forEach(image -> byVersion.computeIfAbsent(version, v -> new HashSet<>()).add(image));
            }
            var counts = byVersion.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().size(), (a, b) -> a, TreeMap::new));
            System.out.printf("e2e(c): %d images dropped across the swap, predicted by version (images): %s%n", wanted.size(), counts);
            var announced = topics.of(ENDPOINTS).stream().map(e -> e.annotation("modelVersion")).collect(Collectors.toSet());
            assertTrue(announced.containsAll(byVersion.keySet()),
                "versions answering " + byVersion.keySet() + " were announced " + announced);
            assertTrue(byVersion.containsKey(Integer.toString(firstVersion)) && byVersion.containsKey(Integer.toString(secondVersion)),
                "images should have been predicted by both versions: " + counts);
            var deadLetters = topics.of("tf-fashion.predict.dlq");
            System.out.printf("e2e(c): dead letters on tf-fashion.predict.dlq: %d (this test: %d); on imageConvert.dlq: %d%n",
                deadLetters.size(), deadLetters.size() - dlqBefore, topics.of("tf-fashion.imageConvert.dlq").size());
            assertEquals(0, deadLetters.size(), "no failed prediction: " + deadLetters.stream().map(TopicRecorder.Seen::headers).toList());
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
    }

    /** Drops a recipe and waits until its model is announced on serve.endpoint; returns that endpoint record. */
    private static TopicRecorder.Seen trainAndServe(byte[] recipe, String name) throws Exception {
        return Trainings.trainAndServe(pipeline, topics, recipe, name, TRAIN_AND_SERVE);
    }

    private static TopicRecorder.Seen awaitAnyEndpoint() {
        return await("a served model").atMost(TRAIN_AND_SERVE).until(() -> topics.of(ENDPOINTS), l -> !l.isEmpty())
            .stream().reduce((a, b) -> b).orElseThrow();
    }

    private static List<TopicRecorder.Seen> predictionsOf(Set<String> imageIds) {
        return topics.of(PREDICTIONS, p -> p.sourceIds("image").stream().anyMatch(imageIds::contains));
    }

    @Test
    @Order(5)
    void shopPhotosAreClassifiedWithinThreePointsOfTheOriginals() throws Exception {
        awaitAnyEndpoint();
        int count = 100;
        String[] formats = { "jpeg", "gif", "bmp", "png" };
        Map<String, Integer> originals = new HashMap<>();
        Map<String, Integer> photos = new HashMap<>();
        for (int i = 1000; i < 1000 + count; i++) {
            originals.put(pipeline.drop("imageInput", "test-" + i + ".png", images.png(i)), i);
            String format = formats[i % formats.length];
            photos.put(pipeline.drop("imageInput", "photo-" + i + "." + format, images.shopPhoto(i, format)), i);
        }
        var wanted = new HashSet<String>(originals.keySet());
        wanted.addAll(photos.keySet());
        await("predictions of " + wanted.size() + " originals and shop photos").atMost(Duration.ofSeconds(180))
            .pollInterval(Duration.ofMillis(200)).until(() -> distinctImages(predictionsOf(wanted)) == wanted.size());
        int rightOriginals = 0;
        int rightPhotos = 0;
        Set<String> versions = new HashSet<>();
        for (var prediction : predictionsOf(wanted)) {
            versions.add(prediction.annotation("modelVersion"));
            int label = Integer.parseInt(prediction.annotation("label"));
            for (String image : prediction.sourceIds("image")) {
                if (originals.containsKey(image) && label == images.label(originals.get(image))) {
                    rightOriginals++;
                } else if (photos.containsKey(image) && label == images.label(photos.get(image))) {
                    rightPhotos++;
                }
            }
        }
        System.out.printf("e2e(d): %d test images, model version(s) %s: %d%% right as originals, %d%% as shop photos%n",
            count, versions, rightOriginals * 100 / count, rightPhotos * 100 / count);
        assertEquals(1, versions.size(), "one model answered both sets");
        assertTrue(rightPhotos >= rightOriginals - 3 * count / 100,
            "shop photos " + rightPhotos + "/" + count + " vs originals " + rightOriginals + "/" + count + ": more than 3 points apart");
    }

    /**
     * The pipeline's label for each dropped Fashion-MNIST test PNG equals in-process inference of the same SavedModel (the
     * version that answered) on the original pixels: the subset, in CI, of the benchmark's 10000-image agreement count.
     */
    private static void assertAgreesWithInProcessInference(List<TopicRecorder.Seen> predictions, Map<String, Integer> indexOf) {
        Map<String, SavedModelBundle> bundles = new HashMap<>();
        List<String> disagreements = new ArrayList<>();
        int checked = 0;
        try {
            for (var prediction : predictions) {
                String version = prediction.annotation("modelVersion");
                var bundle = bundles.computeIfAbsent(version, v -> SavedModelBundle.load(
                    pipeline.modelsRoot().resolve("fashion").resolve(v).toString(), "serve"));
                for (String image : prediction.sourceIds("image")) {
                    int index = indexOf.get(image);
                    int expected = inProcessLabel(bundle, images.pixels(index));
                    int got = Integer.parseInt(prediction.annotation("label"));
                    checked++;
                    if (got != expected) {
                        disagreements.add("test image " + index + ": pipeline " + got + ", in-process " + expected);
                    }
                }
            }
        } finally {
            bundles.values().forEach(SavedModelBundle::close);
        }
        System.out.printf("e2e(b): %d predictions checked against in-process inference, %d disagreements%n", checked,
            disagreements.size());
        assertTrue(disagreements.isEmpty(), "the pipeline disagrees with in-process inference: " + disagreements);
    }

    private static int inProcessLabel(SavedModelBundle bundle, float[] pixels) {
        try (var input = TFloat32.tensorOf(Shape.of(1, 28, 28),
            DataBuffers.of(pixels, true, false));
            var result = bundle.function("serving_default").call(Map.of("images", input))) {
            var probabilities = (TFloat32) result.get("probabilities").orElseThrow();
            int best = 0;
            for (int k = 1; k < FashionMnist.CLASSES; k++) {
                if (probabilities.getFloat(0, k) > probabilities.getFloat(0, best)) {
                    best = k;
                }
            }
            return best;
        }
    }

    private static int distinctImages(List<TopicRecorder.Seen> predictions) {
        return (int) predictions.stream().flatMap(p -> p.sourceIds("image").stream()).distinct().count();
    }
}
