package dev.tffashion.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.tensorflow.SavedModelBundle;

import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.imaging.Preprocessor;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.contracts.replay.ReplayReport;

/**
 * Replay with the packaged services (issue 16): N held-out Fashion-MNIST test pictures (-De2e.replay.images, default 10000) are
 * predicted by version 1, version 2 goes live (immediate policy), and {@code POST /v1/replay {"fromVersion":1,"toVersion":2}}
 * re-predicts them through predict's replay job. Its report ({@code GET /v1/replay/{id}}) must equal comparing both SavedModels of
 * the models folder in this process on the tensors image-convert's {@code Preprocessor} makes of the same files: the flipped
 * images with their labels before and after, the per-class counts, the changes, none out of reach. Each superseding prediction
 * names the live one in lineage {@code supersedes}, {@code GET /v1/predictions/{id}} answers the newest and lists the earlier,
 * the same replay again makes no value, and nothing is dead-lettered. A replay back to version 1, which serve-manager no longer
 * kept loaded, has it loaded while it runs (and unloaded after), and flips the same pictures the other way. A replay to a version
 * that was never installed fails with the versions that can be replayed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplayIT {

    private static final String PREDICTIONS = "tf-fashion.predict.prediction";
    private static final String STATUS = "tf-fashion.status";
    private static final Duration TRAIN_AND_SERVE = Duration.ofMinutes(4);
    private static final int IMAGES = Integer.getInteger("e2e.replay.images", 10_000);
    /** Predicting or replaying N pictures: at least 20 per second on a loaded 2-core machine. */
    private static final Duration FLOW = Duration.ofSeconds(Math.max(120, IMAGES / 20));
    private static final String TOKEN = UUID.randomUUID().toString();

    private static PipelineProcesses pipeline;
    private static TopicRecorder topics;
    private static TestImages images;
    private static Path root;
    /** Image id to test image index, of the N pictures. */
    private static final Map<String, Integer> DROPPED = new ConcurrentHashMap<>();
    /** Image id to its live prediction (by version 1). */
    private static final Map<String, TopicRecorder.Seen> LIVE = new HashMap<>();
    private static String modelName;
    private static long v1;
    private static long v2;
    /** The first replay's flips (image id to labels before and after) and per-class rows, as compared in process. */
    private static final Map<String, List<Integer>> FLIPS = new TreeMap<>();
    private static final List<ReplayReport.ClassRow> ROWS = new ArrayList<>();

    @BeforeAll
    static void startPipeline() throws IOException {
        root = PipelineProcesses.projectRoot();
        var work = Files.createDirectories(root.resolve("tests/e2e/target/e2e")).resolve("replay-" + System.currentTimeMillis());
        pipeline = PipelineProcesses.start(work, Map.of("file-drop", List.of("-Dfile-drop.token=" + TOKEN)));
        pipeline.useWriteToken(TOKEN);
        topics = new TopicRecorder(pipeline.bootstrap(), "tf-fashion");
        images = TestImages.load();
        if (IMAGES < 1 || IMAGES > images.count()) {
            throw new IllegalArgumentException("-De2e.replay.images=" + IMAGES + ": between 1 and " + images.count() + " test pictures");
        }
    }

    @AfterAll
    static void stopPipeline() throws InterruptedException {
        if (topics != null) {
            topics.close();
        }
        if (pipeline != null) {
            pipeline.close();
        }
    }

    @Test
    @Order(1)
    void aReplayFlipsExactlyWhatComparingBothModelsInProcessFlips() throws Exception {
        long started = System.nanoTime();
        var first = Trainings.trainAndServe(pipeline, topics, Files.readAllBytes(root.resolve("samples/recipes/quick.yaml")),
            "quick.yaml", TRAIN_AND_SERVE);
        v1 = Long.parseLong(first.annotation("modelVersion"));
        modelName = first.annotation("modelName") == null ? "fashion" : first.annotation("modelName");

        dropAll();
        var predicted = await(IMAGES + " predictions by version " + v1).atMost(FLOW).pollInterval(Duration.ofSeconds(1))
            .until(ReplayIT::predictionsOfDropped, m -> m.size() == IMAGES);
        LIVE.putAll(predicted);
        assertEquals(List.of(), LIVE.values().stream().filter(p -> !Long.toString(v1).equals(p.annotation("modelVersion")))
            .map(TopicRecorder.Seen::id).toList(), "every picture was answered by version " + v1);
        System.out.printf("replay-it: %d pictures predicted by v%d %.1f s after the start%n", IMAGES, v1, seconds(started));

        String recipe = new String(Files.readAllBytes(root.resolve("samples/recipes/quick.yaml")), StandardCharsets.UTF_8)
            .replaceAll("(?m)^seed:.*$", "") + "\nseed: 43\nrollout: immediate\n";
        var second = Trainings.trainAndServe(pipeline, topics, recipe.getBytes(StandardCharsets.UTF_8), "quick-43.yaml", TRAIN_AND_SERVE);
        v2 = Long.parseLong(second.annotation("modelVersion"));
        assertNotEquals(v1, v2, "the second recipe is served as a new version");

        String body = "{\"fromVersion\": " + v1 + ", \"toVersion\": " + v2 + "}";
        var refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(pipeline.fileDrop().resolve("/v1/replay"))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, refused.statusCode(), "a replay without the write token is refused: " + refused.body());
        var posted = pipeline.post("/v1/replay", body);
        assertEquals(202, posted.statusCode(), "the replay was accepted: " + posted.body());
        String id = Jsons.read(posted.body()).path("id").asText();
        long replayStarted = System.nanoTime();
        List<Double> progress = new ArrayList<>();
        var report = await("replay " + id + " done; predict log " + pipeline.log("predict")).atMost(FLOW)
            .pollInterval(Duration.ofMillis(500)).until(() -> {
                var answer = pipeline.get(pipeline.fileDrop().resolve("/v1/replay/" + id));
                if (answer.statusCode() != 200) {
                    return null;
                }
                var json = Jsons.read(answer.body());
                progress.add(json.path("progress").asDouble());
                return json;
            }, json -> json != null && !"running".equals(json.path("state").asText()));
        System.out.printf("replay-it: replay %s of %d pictures %s in %.1f s, progress seen %s%n", id, IMAGES,
            report.path("state").asText(), seconds(replayStarted), progress.stream().distinct().toList());
        assertEquals("done", report.path("state").asText(), "the replay's state; reason: " + report.path("reason").asText());
        assertEquals(1.0, report.path("progress").asDouble(), "the report's progress once done");
        await("replay " + id + "'s progress on status").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
            .until(() -> topics.of(STATUS, s -> isReplayStatus(s, id, "active")).size() > 0);

        // The same comparison in this process: both SavedModels of the models folder on the Preprocessor's tensors of the same files.
        var ids = new ArrayList<>(DROPPED.keySet());
        var files = new byte[ids.size()][];
        for (int i = 0; i < ids.size(); i++) {
            files[i] = images.png(DROPPED.get(ids.get(i)));
        }
        int[] before;
        int[] after;
        var preprocessor = new Preprocessor();
        try (var one = SavedModelBundle.load(versionFolder(v1).toString(), "serve");
            var two = SavedModelBundle.load(versionFolder(v2).toString(), "serve")) {
            before = InProcessModel.labels(one, preprocessor, files);
            after = InProcessModel.labels(two, preprocessor, files);
        }
        var notAsInProcess = new ArrayList<String>();
        Map<String, List<Integer>> expectedFlips = new TreeMap<>();
        Map<String, Long> expectedChanges = new TreeMap<>();
        long[][] rows = new long[FashionMnist.CLASSES][4];
        for (int i = 0; i < ids.size(); i++) {
            String image = ids.get(i);
            if (!Integer.toString(before[i]).equals(LIVE.get(image).annotation("label"))) {
                notAsInProcess.add(image + ": pipeline " + LIVE.get(image).annotation("label") + ", in process " + before[i]);
            }
            rows[before[i]][0]++;
            rows[after[i]][1]++;
            if (before[i] != after[i]) {
                rows[before[i]][2]++;
                rows[after[i]][3]++;
                expectedFlips.put(image, List.of(before[i], after[i]));
                expectedChanges.merge(FashionMnist.CLASS_NAMES.get(before[i]) + " -> " + FashionMnist.CLASS_NAMES.get(after[i]), 1L,
                    Long::sum);
            }
        }
        assertEquals(List.of(), notAsInProcess, "version " + v1 + "'s live predictions equal in-process inference");
        assertTrue(!expectedFlips.isEmpty(), "the two versions disagree on some pictures (else the comparison proves nothing)");
        var expectedRows = new ArrayList<ReplayReport.ClassRow>();
        for (int label = 0; label < FashionMnist.CLASSES; label++) {
            if (rows[label][0] + rows[label][1] > 0) {
                expectedRows.add(new ReplayReport.ClassRow(label, FashionMnist.CLASS_NAMES.get(label), rows[label][0], rows[label][1],
                    rows[label][2], rows[label][3]));
            }
        }
        var counts = report.path("counts");
        assertEquals(new ReplayReport.Counts(IMAGES, 0, IMAGES, expectedFlips.size(), IMAGES - expectedFlips.size(), 0, 0,
            counts.path("toScan").asLong(), counts.path("toScan").asLong()), Json.mapper().treeToValue(counts, ReplayReport.Counts.class),
            "counts");
        assertTrue(counts.path("toScan").asLong() >= IMAGES, "every tensor record was read: " + counts);
        assertEquals(expectedRows, Json.mapper().convertValue(report.path("perClass"),
            new TypeReference<List<ReplayReport.ClassRow>>() { }), "per class: before, after, lost, gained");
        assertEquals(expectedChanges, new TreeMap<>(Json.mapper().convertValue(report.path("changes"),
            new TypeReference<Map<String, Long>>() { })), "changes");
        Map<String, List<Integer>> reportedFlips = new TreeMap<>();
        for (var flip : report.path("flips")) {
            reportedFlips.put(flip.path("imageId").asText(), List.of(flip.path("before").path("label").asInt(),
                flip.path("after").path("label").asInt()));
            assertEquals(v1, flip.path("before").path("version").asLong(), "the version before, " + flip);
            assertEquals(v2, flip.path("after").path("version").asLong(), "the version after, " + flip);
        }
        assertEquals(expectedFlips, reportedFlips, "the flipped pictures, before and after");
        FLIPS.putAll(expectedFlips);
        ROWS.addAll(expectedRows);
        assertEquals(0, report.path("outOfReach").size(), "no picture out of reach");
        System.out.printf("replay-it: %d of %d pictures flipped from v%d to v%d, as in process; changes %s%n", expectedFlips.size(),
            IMAGES, v1, v2, expectedChanges);

        // Each new value supersedes the live one.
        var replayed = replayedBy(id);
        assertEquals(IMAGES, replayed.size(), "one superseding prediction per picture");
        var wrongLineage = new ArrayList<String>();
        var index = new HashMap<String, Integer>();
        for (int i = 0; i < ids.size(); i++) {
            index.put(ids.get(i), i);
        }
        for (var value : replayed) {
            String image = value.sourceIds("image").get(0);
            if (!List.of(LIVE.get(image).id()).equals(value.sourceIds("supersedes"))
                || !Long.toString(v2).equals(value.annotation("modelVersion"))
                || !Integer.toString(after[index.get(image)]).equals(value.annotation("label"))) {
                wrongLineage.add(value.id() + " of " + image + ": supersedes " + value.sourceIds("supersedes") + ", version "
                    + value.annotation("modelVersion") + ", label " + value.annotation("label"));
            }
        }
        assertEquals(List.of(), wrongLineage, "superseding predictions name the live one, by v" + v2 + " with its in-process label");
        var newest = new HashMap<String, String>();
        replayed.forEach(p -> newest.put(p.sourceIds("image").get(0), p.id()));
        var asked = new ArrayList<>(expectedFlips.keySet()).subList(0, Math.min(10, expectedFlips.size()));
        asked = new ArrayList<>(asked);
        ids.stream().filter(i -> !expectedFlips.containsKey(i)).limit(3).forEach(asked::add);
        for (var image : asked) {
            var answer = pipeline.get(pipeline.fileDrop().resolve("/v1/predictions/" + image));
            assertEquals(200, answer.statusCode(), answer.body());
            var json = Jsons.read(answer.body());
            assertEquals(newest.get(image), json.path("id").asText(), "GET /v1/predictions answers the newest: " + json);
            assertEquals(LIVE.get(image).id(), json.path("lineage").path("supersedes").asText(), json.toString());
            assertEquals(List.of(LIVE.get(image).id()), ids(json.path("earlier")), "the earlier prediction is listed: " + json);
        }

        // The same replay again makes no new value.
        int predictionRecords = topics.of(PREDICTIONS).size();
        var again = pipeline.post("/v1/replay", body);
        assertEquals(200, again.statusCode(), again.body());
        assertEquals(id, Jsons.read(again.body()).path("id").asText());
        assertEquals("done", Jsons.read(again.body()).path("state").asText(), again.body());
        var marker = pipeline.post("/v1/replay", "{\"version\": " + v2 + ", \"since\": \"2000-01-01T00:00:00Z\", \"until\": "
            + "\"2000-01-02T00:00:00Z\"}");
        awaitReport(Jsons.read(marker.body()).path("id").asText(), Duration.ofSeconds(120));
        assertEquals(predictionRecords, topics.of(PREDICTIONS).size(), "the same replay again made no prediction value");
        assertEquals(IMAGES, topics.of(PREDICTIONS, p -> id.equals(p.annotation("replayId"))).size());
        assertNoDeadLetters();
        System.out.printf("replay-it: replay of %d pictures checked in %.1f s%n", IMAGES, seconds(started));
    }

    @Test
    @Order(2)
    void aReplayToTheEarlierVersionLoadsItMirrorsTheFlipsAndUnloadsItAfterwards() throws Exception {
        // serve-manager keeps only the live version loaded with the immediate policy; a replay to v1 has it loaded while it runs
        assertTrue(!FLIPS.isEmpty(), "the first test ran and found flips");
        String body = "{\"fromVersion\": " + v2 + ", \"toVersion\": " + v1 + "}";
        var posted = pipeline.post("/v1/replay", body);
        assertEquals(202, posted.statusCode(), posted.body());
        String id = Jsons.read(posted.body()).path("id").asText();
        long replayStarted = System.nanoTime();
        var report = await("replay " + id + " done; predict log " + pipeline.log("predict") + ", serve-manager log "
            + pipeline.log("serve-manager")).atMost(FLOW.plus(Duration.ofMinutes(2))).pollInterval(Duration.ofMillis(500)).until(() -> {
                var answer = pipeline.get(pipeline.fileDrop().resolve("/v1/replay/" + id));
                return answer.statusCode() == 200 ? Jsons.read(answer.body()) : null;
            }, json -> json != null && !"running".equals(json.path("state").asText()));
        System.out.printf("replay-it: replay %s (v%d -> v%d) of %d pictures %s in %.1f s%n", id, v2, v1, IMAGES,
            report.path("state").asText(), seconds(replayStarted));
        assertEquals("done", report.path("state").asText(), "the replay's state; reason: " + report.path("reason").asText());
        var counts = report.path("counts");
        assertEquals(new ReplayReport.Counts(IMAGES, 0, IMAGES, FLIPS.size(), IMAGES - FLIPS.size(), 0, 0,
            counts.path("toScan").asLong(), counts.path("toScan").asLong()), Json.mapper().treeToValue(counts, ReplayReport.Counts.class),
            "counts: the same pictures flip back");
        Map<String, List<Integer>> mirrored = new TreeMap<>();
        FLIPS.forEach((image, labels) -> mirrored.put(image, List.of(labels.get(1), labels.get(0))));
        Map<String, List<Integer>> reportedFlips = new TreeMap<>();
        for (var flip : report.path("flips")) {
            reportedFlips.put(flip.path("imageId").asText(), List.of(flip.path("before").path("label").asInt(),
                flip.path("after").path("label").asInt()));
            assertEquals(v2, flip.path("before").path("version").asLong(), "the version before, " + flip);
            assertEquals(v1, flip.path("after").path("version").asLong(), "the version after, " + flip);
        }
        assertEquals(mirrored, reportedFlips, "v" + v2 + " -> v" + v1 + " flips exactly the pictures v" + v1 + " -> v" + v2
            + " flipped, the other way");
        var mirroredRows = new ArrayList<ReplayReport.ClassRow>();
        for (var row : ROWS) {
            mirroredRows.add(new ReplayReport.ClassRow(row.label(), row.className(), row.after(), row.before(), row.gained(), row.lost()));
        }
        assertEquals(mirroredRows, Json.mapper().convertValue(report.path("perClass"),
            new TypeReference<List<ReplayReport.ClassRow>>() { }), "per class: before and after swapped");
        var replayed = replayedBy(id);
        assertEquals(IMAGES, replayed.size(), "one superseding prediction per picture");
        assertEquals(List.of(), replayed.stream().filter(p -> !Long.toString(v1).equals(p.annotation("modelVersion")))
            .map(TopicRecorder.Seen::id).toList(), "made by version " + v1);

        // serve-manager had version 1 loaded for the replay, beside the live 2, and unloads it once the replay is done
        assertTrue(topics.of(STATUS, s -> replayVersions(s).contains(v1)).size() > 0, "serve-manager's status showed v" + v1
            + " loaded for the replay");
        await("v" + v1 + " unloaded after the replay; serve-manager log " + pipeline.log("serve-manager")).atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(500)).until(() -> {
                var last = topics.of(STATUS, s -> s.value() != null && "serve".equals(s.value().path("task").asText()));
                return !last.isEmpty() && replayVersions(last.get(last.size() - 1)).isEmpty()
                    && last.get(last.size() - 1).value().path("details").path("rollout").path("replays").isObject();
            });
        var serve = topics.of(STATUS, s -> s.value() != null && "serve".equals(s.value().path("task").asText()));
        assertEquals(v2, serve.get(serve.size() - 1).value().path("details").path("rollout").path("liveVersion").asLong(),
            "version " + v2 + " stays live");
        assertNoDeadLetters();
    }

    @Test
    @Order(3)
    void aReplayToAVersionNeverInstalledFailsWithTheVersionsThatCanBeReplayed() throws Exception {
        var posted = pipeline.post("/v1/replay", "{\"version\": 99, \"since\": \"2000-01-01T00:00:00Z\"}");
        assertEquals(202, posted.statusCode(), posted.body());
        String id = Jsons.read(posted.body()).path("id").asText();
        var report = awaitReport(id, Duration.ofSeconds(120));
        System.out.printf("replay-it: replay %s to v99: %s (%s)%n", id, report.path("state").asText(), report.path("reason").asText());
        assertEquals("failed", report.path("state").asText(), report.toString());
        assertEquals("version 99 of model " + modelName + " cannot be replayed: it was never installed; versions that can be replayed: ["
            + v1 + ", " + v2 + "] (the versions installed, GET /v1/rollout/" + modelName + ")", report.path("reason").asText(),
            report.toString());
        assertEquals(List.of(), topics.of(PREDICTIONS, p -> id.equals(p.annotation("replayId"))).stream().map(TopicRecorder.Seen::id)
            .toList(), "a failed replay made no value");
        assertNoDeadLetters();
    }

    /** The versions serve-manager's status says it keeps loaded for running replays. */
    private static List<Long> replayVersions(TopicRecorder.Seen status) {
        var versions = new ArrayList<Long>();
        if (status.value() != null && "serve".equals(status.value().path("task").asText())) {
            status.value().path("details").path("rollout").path("replays").path("loadedVersions").forEach(v -> versions.add(v.asLong()));
        }
        return versions;
    }

    private static void dropAll() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try {
            var pending = new ArrayList<Future<?>>();
            for (int t = 0; t < 4; t++) {
                int client = t;
                pending.add(clients.submit(() -> {
                    for (int i = client; i < IMAGES; i += 4) {
                        DROPPED.put(pipeline.drop("imageInput", "test-" + i + ".png", images.png(i)), i);
                    }
                    return null;
                }));
            }
            for (var f : pending) {
                f.get();
            }
        } finally {
            clients.shutdownNow();
        }
        assertEquals(IMAGES, DROPPED.size(), "every drop got its own id");
    }

    /** The prediction of each dropped picture seen so far. */
    private static Map<String, TopicRecorder.Seen> predictionsOfDropped() {
        var found = new HashMap<String, TopicRecorder.Seen>();
        for (var p : topics.of(PREDICTIONS)) {
            for (var image : p.sourceIds("image")) {
                if (DROPPED.containsKey(image)) {
                    var earlier = found.put(image, p);
                    if (earlier != null && !earlier.id().equals(p.id())) {
                        throw new AssertionError("two predictions of " + image + ": " + earlier.id() + " and " + p.id());
                    }
                }
            }
        }
        return found;
    }

    /**
     * The prediction values of a replay, once the test's topic reader has at least one per picture: a report is "done" once its
     * last batch is committed, but this reader may still be reading the 10000 values behind it. More than one per picture (a
     * replay run twice) is seen too: the callers compare the count exactly.
     */
    private static List<TopicRecorder.Seen> replayedBy(String replayId) {
        return await("the " + IMAGES + " predictions of replay " + replayId + " read from " + PREDICTIONS).atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(250)).until(() -> topics.of(PREDICTIONS, p -> replayId.equals(p.annotation("replayId"))),
                replayed -> replayed.size() >= IMAGES);
    }

    private static JsonNode awaitReport(String id, Duration within) {
        return await("replay " + id + " done or failed; predict log " + pipeline.log("predict")).atMost(within)
            .pollInterval(Duration.ofMillis(250)).until(() -> {
                var answer = pipeline.get(pipeline.fileDrop().resolve("/v1/replay/" + id));
                return answer.statusCode() == 200 ? Jsons.read(answer.body()) : null;
            }, json -> json != null && !"running".equals(json.path("state").asText()));
    }

    private static boolean isReplayStatus(TopicRecorder.Seen status, String replayId, String state) {
        var value = status.value();
        return value != null && "replay".equals(value.path("task").asText()) && state.equalsIgnoreCase(value.path("state").asText())
            && value.toString().contains(replayId);
    }

    private static void assertNoDeadLetters() {
        assertEquals(List.of(), topics.endingWith(".dlq").stream().map(d -> d.topic() + ": " + d.raw()).toList(), "no dead letters");
    }

    private static List<String> ids(JsonNode array) {
        var ids = new ArrayList<String>();
        array.forEach(e -> ids.add(e.path("id").asText()));
        return ids;
    }

    private static Path versionFolder(long version) {
        return pipeline.modelsRoot().resolve(modelName).resolve(Long.toString(version));
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
