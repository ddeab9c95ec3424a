package dev.tffashion.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Rollouts with the packaged services (issue 16): a bad challenger (1 epoch on 500 examples) is held in shadow, rejected by the
 * promotion gate and never answers a user; a good one is promoted while pictures flow, with no failed prediction; a rollback
 * under a steady stream of drops loses nothing. The latency gate is off (latency on a shared 2-core machine is noise).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RolloutIT {

    private static final String PREDICTIONS = "tf-fashion.predict.prediction";
    private static final String SHADOW = "tf-fashion.predict.shadow";
    private static final String ENDPOINTS = "tf-fashion.serve.endpoint";
    private static final String SERVE_DLQ = "tf-fashion.serve.dlq";
    private static final String PREDICT_DLQ = "tf-fashion.predict.dlq";
    private static final Duration TRAIN_AND_SERVE = Duration.ofMinutes(4);
    /** Shadow predictions before the gate decides. */
    private static final int TRIAL = 60;

    private static PipelineProcesses pipeline;
    private static TopicRecorder topics;
    private static TestImages images;
    private static Path root;
    private static Stream stream;

    @BeforeAll
    static void startPipeline() throws IOException {
        root = PipelineProcesses.projectRoot();
        var work = Files.createDirectories(root.resolve("tests/e2e/target/e2e")).resolve("rollout-" + System.currentTimeMillis());
        pipeline = PipelineProcesses.start(work, Map.of("serve-manager", List.of("-Dserving.rollout.shadow-predictions=" + TRIAL,
            "-Dserving.rollout.latency-gate=false", "-Dserving.rollout.min-agreement=0.95", "-Dserving.rollout.accuracy-tolerance=0.02")));
        topics = new TopicRecorder(pipeline.bootstrap(), "tf-fashion");
        images = TestImages.load();
        stream = new Stream();
    }

    @AfterAll
    static void stopPipeline() throws InterruptedException {
        if (stream != null) {
            stream.stop();
        }
        if (topics != null) {
            topics.close();
        }
        if (pipeline != null) {
            pipeline.close();
        }
    }

    @Test
    @Order(1)
    void aBadChallengerIsHeldInShadowRejectedAndNeverAnswersAUser() throws Exception {
        var live = trainAndServe(Files.readAllBytes(root.resolve("samples/recipes/quick.yaml")), "quick.yaml");
        String liveVersion = live.annotation("modelVersion");
        stream.start();
        var bad = train("model: mlp\nepochs: 1\nmaxTrainExamples: 500\nseed: 7\nrollout: shadow\n", "bad.yaml");
        var rejected = await("the gate's dead letter of the bad challenger " + bad.id() + "; serve-manager log "
            + pipeline.log("serve-manager")).atMost(TRAIN_AND_SERVE).pollInterval(Duration.ofMillis(250))
            .until(() -> topics.of(SERVE_DLQ, d -> bad.id().equals(d.key())), l -> !l.isEmpty()).get(0);
        System.out.println("rollout-it: the bad challenger " + rejected.key() + " was rejected by the gate");
        var shadowed = topics.of(SHADOW);
        assertTrue(shadowed.size() >= TRIAL, "the challenger answered at least " + TRIAL + " pictures in shadow: " + shadowed.size());
        String badVersion = shadowed.get(0).annotation("modelVersion");
        assertTrue(!liveVersion.equals(badVersion), "the shadow answers came from the challenger, not version " + liveVersion);
        var answeredByBad = topics.of(PREDICTIONS, p -> badVersion.equals(p.annotation("modelVersion")));
        assertEquals(List.of(), answeredByBad.stream().map(TopicRecorder.Seen::id).toList(), "no user got an answer of version "
            + badVersion);
        assertTrue(topics.of(ENDPOINTS).stream().noneMatch(e -> badVersion.equals(e.annotation("modelVersion"))),
            "the rejected version was never live");
    }

    @Test
    @Order(2)
    void aGoodChallengerIsPromotedWithNoFailedPrediction() throws Exception {
        stream.start();
        String recipe = new String(Files.readAllBytes(root.resolve("samples/recipes/quick.yaml")), StandardCharsets.UTF_8)
            .replaceAll("(?m)^seed:.*$", "") + "\nseed: 43\nrollout: shadow\n";
        var good = train(recipe, "good.yaml");
        var promoted = await("the good challenger " + good.id() + " live; serve-manager log " + pipeline.log("serve-manager"))
            .atMost(TRAIN_AND_SERVE).pollInterval(Duration.ofMillis(250))
            .until(() -> topics.of(ENDPOINTS, e -> e.sourceIds("model").contains(good.id()) && e.annotation("challengerVersion")
                == null), l -> !l.isEmpty()).get(0);
        String version = promoted.annotation("modelVersion");
        System.out.println("rollout-it: the good challenger is live as version " + version);
        Set<String> after = stream.droppedFromNow(40);
        await("predictions by version " + version + " of pictures dropped after the promotion").atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(250)).until(() -> topics.of(PREDICTIONS, p -> version.equals(p.annotation("modelVersion"))
                && p.sourceIds("image").stream().anyMatch(after::contains)).size() > 0);
        stream.assertEveryDropPredictedOnce("during the promotion");
    }

    @Test
    @Order(3)
    void aRollbackUnderASteadyStreamLosesNothing() throws Exception {
        stream.start();
        String first = topics.of(ENDPOINTS).get(0).annotation("modelVersion");
        long asked = System.nanoTime();
        var response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(pipeline.fileDrop().resolve("/v1/rollout/"
            + topics.of(ENDPOINTS).get(0).annotation("modelName") + "/rollback?version=" + first)).POST(HttpRequest.BodyPublishers
            .noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, response.statusCode(), "the rollback command was accepted: " + response.body());
        int endpointsBefore = topics.of(ENDPOINTS).size();
        await("version " + first + " live again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
            .until(() -> {
                var endpoints = topics.of(ENDPOINTS);
                return endpoints.size() > endpointsBefore && first.equals(endpoints.get(endpoints.size() - 1).annotation("modelVersion"));
            });
        System.out.printf("rollout-it: version %s live again %.1f s after the rollback was asked%n", first,
            (System.nanoTime() - asked) / 1e9);
        Set<String> after = stream.droppedFromNow(40);
        await("predictions by version " + first + " after the rollback").atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(250)).until(() -> topics.of(PREDICTIONS, p -> first.equals(p.annotation("modelVersion"))
                && p.sourceIds("image").stream().anyMatch(after::contains)).size() > 0);
        stream.assertEveryDropPredictedOnce("during the rollback");
    }

    private static TopicRecorder.Seen train(String recipe, String name) throws Exception {
        return Trainings.train(pipeline, topics, recipe.getBytes(StandardCharsets.UTF_8), name, TRAIN_AND_SERVE);
    }

    private static TopicRecorder.Seen trainAndServe(byte[] recipe, String name) throws Exception {
        return Trainings.trainAndServe(pipeline, topics, recipe, name, TRAIN_AND_SERVE);
    }

    /** Test images dropped at about 20 per second on a thread of their own, each drop's id kept. */
    private static final class Stream {
        private final Map<String, Long> dropped = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean();
        private final List<String> failures = new CopyOnWriteArrayList<>();
        private Thread thread;
        private int next;

        synchronized void start() {
            if (running.getAndSet(true)) {
                return;
            }
            thread = new Thread(() -> {
                while (running.get()) {
                    int i = next++ % images.count();
                    try {
                        dropped.put(pipeline.drop("imageInput", "stream-" + i + ".png", images.png(i)), System.nanoTime());
                    } catch (IOException | RuntimeException e) {
                        failures.add("drop " + i + ": " + e);
                    } catch (InterruptedException e) {
                        return;
                    }
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "rollout-it-stream");
            thread.start();
        }

        /** The ids of the next {@code count} drops. */
        Set<String> droppedFromNow(int count) {
            Set<String> before = new HashSet<>(dropped.keySet());
            await("" + count + " more drops").atMost(Duration.ofSeconds(60)).until(() -> dropped.size() >= before.size() + count);
            Set<String> after = new HashSet<>(dropped.keySet());
            after.removeAll(before);
            return after;
        }

        synchronized void stop() throws InterruptedException {
            running.set(false);
            if (thread != null) {
                thread.join(10_000);
            }
        }

        /** Stops the stream and checks that every drop so far has exactly one prediction and none went to predict's dead letters. */
        void assertEveryDropPredictedOnce(String when) throws InterruptedException {
            stop();
            assertEquals(List.of(), failures, "every drop was accepted " + when);
            Set<String> ids = Set.copyOf(dropped.keySet());
            await(ids.size() + " predictions " + when).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                .until(() -> imagesPredicted(ids).size() == ids.size());
            Map<String, Long> perImage = new HashMap<>();
            for (var p : topics.of(PREDICTIONS, p -> p.sourceIds("image").stream().anyMatch(ids::contains))) {
                p.sourceIds("image").forEach(image -> perImage.merge(image, 1L, Long::sum));
            }
            var twice = perImage.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).collect(Collectors.toList());
            assertEquals(List.of(), twice, "images with more than one prediction " + when);
            var letters = topics.of(PREDICT_DLQ, d -> true);
            assertEquals(List.of(), letters.stream().map(TopicRecorder.Seen::raw).toList(), "no prediction failed " + when);
            System.out.printf("rollout-it: %d drops %s, each predicted once, none failed%n", ids.size(), when);
        }

        private Set<String> imagesPredicted(Set<String> ids) {
            return topics.of(PREDICTIONS, p -> p.sourceIds("image").stream().anyMatch(ids::contains)).stream()
                .flatMap(p -> p.sourceIds("image").stream()).filter(ids::contains).collect(Collectors.toSet());
        }
    }
}
