package dev.tffashion.e2e.bench;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.tffashion.e2e.PipelineProcesses;
import dev.tffashion.e2e.TestImages;
import dev.tffashion.e2e.TopicRecorder;
import dev.tffashion.fashionmnist.FashionMnist;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.awaitility.core.ConditionTimeoutException;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.PredictionServiceGrpc;

/**
 * The pipeline benchmark behind bin/bench: starts its own pipeline (kafka-local and the five packaged services, as the
 * *IT tests do), trains a recipe, then measures in-process inference, direct gRPC Predict, the pipeline's drop-to-
 * prediction latency and throughput, memory per process, and the agreement of the pipeline with in-process inference
 * over the 10000 Fashion-MNIST test images; writes docs/benchmarks.md. Reads tf-fashion.* topics; drops over HTTP;
 * every load is bounded in count and time and targets 127.0.0.1 only.
 */
public final class Bench {

    private static final String PREDICTIONS = "tf-fashion.predict.prediction";

    private final Path root = PipelineProcesses.projectRoot();
    private final Map<String, String> options;
    private final StringBuilder report = new StringBuilder();
    private PipelineProcesses pipeline;
    private TopicRecorder topics;
    private TestImages images;

    private Bench(Map<String, String> options) {
        this.options = options;
    }

    /**
     * Options: --recipe FILE (samples/recipes/mlp.yaml), --out FILE (docs/benchmarks.md), --agreement-images N (10000),
     * --seconds-per-rate S (15).
     */
    public static void main(String[] args) throws Exception {
        var options = new HashMap<String, String>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("usage: bin/bench [--recipe FILE] [--out FILE] [--agreement-images N] [--seconds-per-rate S]");
                System.exit(2);
            }
            options.put(args[i].substring(2), args[++i]);
        }
        int code;
        try {
            new Bench(options).run();
            code = 0;
        } catch (Exception | AssertionError e) {
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    private void run() throws Exception {
        var recipe = root.resolve(options.getOrDefault("recipe", "samples/recipes/mlp.yaml"));
        var out = root.resolve(options.getOrDefault("out", "docs/benchmarks.md"));
        int agreementImages = Integer.parseInt(options.getOrDefault("agreement-images", "10000"));
        int secondsPerRate = Integer.parseInt(options.getOrDefault("seconds-per-rate", "15"));
        var work = Files.createDirectories(root.resolve("tests/e2e/target/bench")).resolve("run-" + System.currentTimeMillis());
        images = TestImages.load();
        var machine = machine();
        long started = System.nanoTime();
        pipeline = PipelineProcesses.start(work, Map.of());
        try {
            topics = new TopicRecorder(pipeline.bootstrap(), "tf-fashion");
            var sections = new LinkedHashMap<String, String>();
            var endpoint = trainAndServe(recipe);
            var version = endpoint.annotation("modelVersion");
            var modelDir = pipeline.modelsRoot().resolve("fashion").resolve(version);
            try (var bundle = SavedModelBundle.load(modelDir.toString(), "serve")) {
                var a = attempt("a", sections, () -> inProcess(bundle));
                var b = attempt("b", sections, () -> directGrpc(endpoint.annotation("grpcTarget"), version));
                attempt("warm-up", sections, () -> pipelineLatency(10, 3));
                var c10 = attempt("c10", sections, () -> pipelineLatency(10, secondsPerRate));
                var c100 = attempt("c100", sections, () -> pipelineLatency(100, secondsPerRate));
                sections.put("g", "After (c):\n\n" + memory());
                var d = attempt("d", sections, () -> saturate(bundle, agreementImages));
                sections.put("g", sections.get("g") + "\nAfter the saturation run (d):\n\n" + memory());
                if (d != null) {
                    sections.put("h", d.agreement);
                    sections.put("dmet", met(d.value >= 1000, String.format(Locale.ROOT, "%.0f images/s", d.value)));
                }
                if (c100 != null) {
                    sections.put("c100met", met(c100.stats.p(50) <= 15e6 && c100.stats.p(99) <= 50e6,
                        "p50 " + ms(c100.stats.p(50)) + ", p99 " + ms(c100.stats.p(99))));
                }
                if (b != null && c100 != null && d != null) {
                    sections.put("e", ratios(b, c100, d));
                    sections.put("emet", met(d.value >= 0.5 * b.value, String.format(Locale.ROOT, "%.2f of direct gRPC's"
                        + " 1-image-per-call throughput, %.2f of its 32-per-call throughput", d.value / b.value, d.value / b.batched)));
                }
            } finally {
                topics.close();
            }
            write(out, machine, recipe, endpoint, sections, (System.nanoTime() - started) / 1e9);
        } finally {
            pipeline.close();
        }
    }

    /** A measurement that failed is reported as not measured, with its reason, and the others go on. */
    private interface Measurement {
        Measured run() throws Exception;
    }

    private static Measured attempt(String key, Map<String, String> sections, Measurement measurement) {
        try {
            var measured = measurement.run();
            sections.put(key, measured.text);
            return measured;
        } catch (Exception | AssertionError e) {
            System.out.println("(" + key + ") failed: " + e);
            sections.put(key, "not measured: " + e.getClass().getSimpleName() + ": " + e.getMessage() + "\n");
            return null;
        }
    }

    private TopicRecorder.Seen trainAndServe(Path recipe) throws Exception {
        long started = System.nanoTime();
        var scriptId = pipeline.drop("scriptInput", recipe.getFileName().toString(), Files.readAllBytes(recipe));
        var model = await("learn.model for " + recipe).atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(500))
            .until(() -> topics.of("tf-fashion.learn.model", m -> m.sourceIds("script").contains(scriptId)), l -> !l.isEmpty()).get(0);
        var endpoint = await("serve.endpoint for " + model.id()).atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
            .until(() -> topics.of("tf-fashion.serve.endpoint", e -> e.sourceIds("model").contains(model.id())), l -> !l.isEmpty()).get(0);
        report.append(String.format(Locale.ROOT, "Recipe %s: trained (trainingSeconds %s, test accuracy %s) and served as version %s"
            + " %.1f s after the drop.%n%n", root.relativize(recipe), model.annotation("trainingSeconds"), model.annotation("testAccuracy"),
            endpoint.annotation("modelVersion"), (System.nanoTime() - started) / 1e9));
        System.out.print(report);
        return endpoint;
    }

    /** (a) one image through the SavedModel in this JVM. */
    private Measured inProcess(SavedModelBundle bundle) {
        var function = bundle.function("serving_default");
        int warmup = 300;
        int runs = 3000;
        var nanos = new long[runs];
        for (int i = 0; i < warmup + runs; i++) {
            var pixels = images.pixels(i % images.count());
            long t0 = System.nanoTime();
            try (var input = TFloat32.tensorOf(Shape.of(1, 28, 28), DataBuffers.of(pixels, true, false));
                Result result = function.call(Map.of("images", input))) {
                result.get("probabilities").orElseThrow();
            }
            if (i >= warmup) {
                nanos[i - warmup] = System.nanoTime() - t0;
            }
        }
        var stats = Stats.of(nanos);
        var text = String.format(Locale.ROOT, "| runs | p50 | p99 | mean |%n|---|---|---|---|%n| %d (after %d warm-up) | %s | %s | %s |%n",
            runs, warmup, ms(stats.p(50)), ms(stats.p(99)), ms(stats.mean()));
        System.out.println("(a) in-process\n" + text);
        return new Measured(text, 0, stats);
    }

    /** (b) Predict over gRPC to the model server the pipeline uses: latency one call at a time, then throughput. */
    private Measured directGrpc(String target, String version) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        try {
            var stub = PredictionServiceGrpc.newBlockingStub(channel);
            int runs = 2000;
            var nanos = new long[runs];
            for (int i = 0; i < 200 + runs; i++) {
                long t0 = System.nanoTime();
                stub.withDeadlineAfter(5, TimeUnit.SECONDS).predict(request(version, i, 1));
                if (i >= 200) {
                    nanos[i - 200] = System.nanoTime() - t0;
                }
            }
            var latency = Stats.of(nanos);
            var text = new StringBuilder(String.format(Locale.ROOT,
                "Latency, one call at a time, 1 image per call: p50 %s, p99 %s, mean %s (%d calls).%n%n"
                    + "| clients | images per call | calls | images/s | p50 per call | p99 per call |%n|---|---|---|---|---|---|%n",
                ms(latency.p(50)), ms(latency.p(99)), ms(latency.mean()), runs));
            double best1 = 0;
            double best32 = 0;
            for (int[] setting : new int[][] {{1, 1}, {4, 1}, {8, 1}, {4, 32}}) {
                var t = throughput(channel, version, setting[0], setting[1], Duration.ofSeconds(8));
                text.append(String.format(Locale.ROOT, "| %d | %d | %d | %.0f | %s | %s |%n", setting[0], setting[1], t.calls,
                    t.imagesPerSecond,
                    ms(t.stats.p(50)), ms(t.stats.p(99))));
                if (setting[1] == 1) {
                    best1 = Math.max(best1, t.imagesPerSecond);
                } else {
                    best32 = Math.max(best32, t.imagesPerSecond);
                }
            }
            text.append(String.format(Locale.ROOT, "%nThroughput used for (e): %.0f images/s (best with 1 image per call); "
                + "batched 32 per call: %.0f images/s.%n", best1, best32));
            System.out.println("(b) direct gRPC\n" + text);
            var measured = new Measured(text.toString(), best1, latency);
            measured.batched = best32;
            return measured;
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private record Throughput(long calls, double imagesPerSecond, Stats stats) {
    }

    private Throughput throughput(ManagedChannel channel, String version, int clients, int batch, Duration duration) throws Exception {
        var stub = PredictionServiceGrpc.newBlockingStub(channel);
        var pool = Executors.newFixedThreadPool(clients);
        var latencies = new ConcurrentHashMap<Integer, long[]>();
        var counts = new AtomicLong();
        long end = System.nanoTime() + duration.toNanos();
        long start = System.nanoTime();
        var futures = new ArrayList<Future<?>>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            futures.add(pool.submit(() -> {
                var mine = new long[200_000];
                int n = 0;
                var req = request(version, client, batch);
                while (System.nanoTime() < end && n < mine.length) {
                    long t0 = System.nanoTime();
                    stub.withDeadlineAfter(5, TimeUnit.SECONDS).predict(req);
                    mine[n++] = System.nanoTime() - t0;
                }
                latencies.put(client, Arrays.copyOf(mine, n));
                counts.addAndGet(n);
                return null;
            }));
        }
        for (var f : futures) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        var all = latencies.values().stream().flatMapToLong(Arrays::stream).toArray();
        return new Throughput(counts.get(), counts.get() * batch / seconds, Stats.of(all));
    }

    private PredictRequest request(String version, int first, int batch) {
        var tensor = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dim.newBuilder().setSize(batch)).addDim(TensorShapeProto.Dim.newBuilder().setSize(28))
            .addDim(TensorShapeProto.Dim.newBuilder().setSize(28)));
        for (int b = 0; b < batch; b++) {
            for (float v : images.pixels((first + b) % images.count())) {
                tensor.addFloatVal(v);
            }
        }
        return PredictRequest.newBuilder().setModelSpec(ModelSpec.newBuilder().setName("fashion").setSignatureName("serving_default"))
            .putInputs("images", tensor.build()).addOutputFilter("probabilities").build();
    }

    /** (c) images dropped over HTTP at a fixed rate (open loop); latency = drop sent to prediction record's timestamp. */
    private Measured pipelineLatency(int rate, int seconds) throws Exception {
        int count = rate * seconds;
        var pngs = new byte[count][];
        for (int i = 0; i < count; i++) {
            pngs[i] = images.png(i);
        }
        var sentAt = new ConcurrentHashMap<String, Long>();
        var refused = new AtomicInteger();
        var pool = Executors.newFixedThreadPool(8);
        long interval = 1_000_000_000L / rate;
        long next = System.nanoTime();
        for (int i = 0; i < count; i++) {
            LockSupport.parkNanos(next - System.nanoTime());
            next += interval;
            int index = i;
            pool.submit(() -> {
                long sent = System.currentTimeMillis();
                try {
                    sentAt.put(pipeline.drop("imageInput", "rate-" + rate + "-" + index + ".png", pngs[index]), sent);
                } catch (IOException | RuntimeException e) {
                    refused.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            });
        }
        pool.shutdown();
        pool.awaitTermination(2, TimeUnit.MINUTES);
        var wanted = Set.copyOf(sentAt.keySet());
        awaitQuietly(Duration.ofMinutes(3), () -> firstPredictionByImage(wanted).size() == wanted.size());
        var latencies = firstPredictionByImage(wanted).entrySet().stream()
            .mapToLong(e -> (e.getValue().timestamp() - sentAt.get(e.getKey())) * 1_000_000L).toArray();
        if (latencies.length == 0) {
            throw new IllegalStateException("no prediction of the " + count + " images at " + rate + "/s within 3 minutes");
        }
        var stats = Stats.of(latencies);
        var text = String.format(Locale.ROOT, "| %d images/s | %d over %d s (%d predicted within 3 min) | %s | %s | %s | %s | %d |%n",
            rate, count, seconds, latencies.length, ms(stats.p(50)), ms(stats.p(95)), ms(stats.p(99)), ms(stats.max()), refused.get());
        System.out.println("(c) " + text);
        return new Measured(text, rate, stats);
    }

    private static void awaitQuietly(Duration limit, Callable<Boolean> condition) {
        try {
            await().atMost(limit).pollInterval(Duration.ofMillis(200)).until(condition);
        } catch (ConditionTimeoutException e) {
            System.out.println("not everything arrived within " + limit + "; measuring what did");
        }
    }

    private Map<String, TopicRecorder.Seen> firstPredictionByImage(Set<String> imageIds) {
        var first = new HashMap<String, TopicRecorder.Seen>();
        for (var p : topics.of(PREDICTIONS)) {
            for (var image : p.sourceIds("image")) {
                if (imageIds.contains(image)) {
                    first.putIfAbsent(image, p);
                }
            }
        }
        return first;
    }

    /** (d) and (h): every test image dropped as PNG as fast as 8 clients can; throughput and agreement with in-process inference. */
    private Measured saturate(SavedModelBundle bundle, int count) throws Exception {
        var indexOf = new ConcurrentHashMap<String, Integer>();
        var sentAt = new ConcurrentHashMap<String, Long>();
        var pngs = new byte[count][];
        for (int i = 0; i < count; i++) {
            pngs[i] = images.png(i);
        }
        var nextIndex = new AtomicInteger();
        var pool = Executors.newFixedThreadPool(8);
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        long start = System.currentTimeMillis();
        var futures = new ArrayList<Future<?>>();
        for (int c = 0; c < 8; c++) {
            futures.add(pool.submit(() -> {
                for (int i = nextIndex.getAndIncrement(); i < count && System.nanoTime() < deadline; i = nextIndex.getAndIncrement()) {
                    long sent = System.currentTimeMillis();
                    var id = pipeline.drop("imageInput", "test-" + i + ".png", pngs[i]);
                    indexOf.put(id, i);
                    sentAt.put(id, sent);
                }
                return null;
            }));
        }
        for (var f : futures) {
            f.get();
        }
        long dropsDone = System.currentTimeMillis();
        pool.shutdown();
        var wanted = Set.copyOf(indexOf.keySet());
        awaitQuietly(Duration.ofMinutes(4), () -> firstPredictionByImage(wanted).size() == wanted.size());
        var predictions = firstPredictionByImage(wanted);
        long last = predictions.values().stream().mapToLong(TopicRecorder.Seen::timestamp).max().orElseThrow();
        long firstPrediction = predictions.values().stream().mapToLong(TopicRecorder.Seen::timestamp).min().orElseThrow();
        double throughput = predictions.size() / ((last - start) / 1000.0);
        double steady = (predictions.size() - 1) / Math.max(0.001, (last - firstPrediction) / 1000.0);
        double dropRate = wanted.size() / ((dropsDone - start) / 1000.0);
        var latency = Stats.of(predictions.entrySet().stream()
            .mapToLong(e -> (e.getValue().timestamp() - sentAt.get(e.getKey())) * 1_000_000L).toArray());
        var text = String.format(Locale.ROOT, "%d PNGs (of %d asked; drops stop after 3 min) dropped by 8 HTTP clients"
            + " in %.1f s (%.0f drops/s);"
            + " %d were predicted"
            + " within 4 min after; the last prediction came"
            + " %.1f s after the first drop.%n%n| sustained throughput (images dropped / first drop to last prediction)"
            + " | between first and last prediction"
            + " | latency under this load p50 / p99 |%n|---|---|---|%n| **%.0f images/s** | %.0f images/s | %s / %s |%n",
            wanted.size(), count, (dropsDone - start) / 1000.0, dropRate, predictions.size(), (last - start) / 1000.0, throughput, steady,
            ms(latency.p(50)), ms(latency.p(99)));
        System.out.println("(d)\n" + text);
        // (h) the same images through the same SavedModel in process
        var function = bundle.function("serving_default");
        int disagreements = 0;
        int pipelineRight = 0;
        var examples = new ArrayList<String>();
        for (var entry : predictions.entrySet()) {
            int index = indexOf.get(entry.getKey());
            int expected;
            try (var input = TFloat32.tensorOf(Shape.of(1, 28, 28), DataBuffers.of(images.pixels(index), true, false));
                Result result = function.call(Map.of("images", input))) {
                var probabilities = (TFloat32) result.get("probabilities").orElseThrow();
                expected = 0;
                for (int k = 1; k < FashionMnist.CLASSES; k++) {
                    if (probabilities.getFloat(0, k) > probabilities.getFloat(0, expected)) {
                        expected = k;
                    }
                }
            }
            int got = Integer.parseInt(entry.getValue().annotation("label"));
            pipelineRight += got == images.label(index) ? 1 : 0;
            if (got != expected) {
                disagreements++;
                if (examples.size() < 10) {
                    examples.add("test image " + index + ": pipeline " + got + ", in-process " + expected);
                }
            }
        }
        var agreement = String.format(Locale.ROOT, "%d Fashion-MNIST test images dropped as PNG over HTTP and predicted"
            + " (of %d asked); the pipeline's"
            + " label equals"
            + " in-process inference of the same SavedModel (version served) for %d; **%d disagreements**.%s"
            + " The pipeline got %d of %d right against the true labels (%.2f %%).%n",
            predictions.size(), count, predictions.size() - disagreements, disagreements,
            examples.isEmpty() ? "" : " First ones: " + String.join("; ", examples) + ".",
            pipelineRight, predictions.size(), 100.0 * pipelineRight / predictions.size());
        System.out.println("(h) " + agreement);
        var measured = new Measured(text, throughput, latency);
        measured.agreement = agreement;
        return measured;
    }

    private String memory() {
        var text = new StringBuilder("| process | pid | RSS |\n|---|---|---|\n");
        long total = 0;
        for (var entry : pipeline.pids().entrySet()) {
            long kib = PipelineProcesses.rssKib(entry.getValue()).orElse(0L);
            total += kib;
            text.append(String.format(Locale.ROOT, "| %s | %d | %.0f MiB |%n", entry.getKey(), entry.getValue(), kib / 1024.0));
        }
        text.append(String.format(Locale.ROOT, "| all | | %.0f MiB |%n", total / 1024.0));
        return text.toString();
    }

    private static String ratios(Measured grpc, Measured c100, Measured d) {
        return String.format(Locale.ROOT, "| ratio | value |%n|---|---|%n"
                + "| (c) p50 at 100/s / (b) p50 | %.1f (%s / %s) |%n| (c) p99 at 100/s / (b) p99 | %.1f (%s / %s) |%n"
                + "| (d) / (b) throughput, 1 image per call | %.2f (%.0f / %.0f images/s) |%n"
                + "| (d) / (b) throughput, 32 per call | %.2f (%.0f / %.0f images/s) |%n",
            c100.stats.p(50) / grpc.stats.p(50), ms(c100.stats.p(50)), ms(grpc.stats.p(50)),
            c100.stats.p(99) / grpc.stats.p(99), ms(c100.stats.p(99)), ms(grpc.stats.p(99)),
            d.value / grpc.value, d.value, grpc.value, d.value / grpc.batched, d.value, grpc.batched);
    }

    private void write(Path out, String machine, Path recipe, TopicRecorder.Seen endpoint, Map<String, String> s, double seconds)
            throws IOException {
        var learn = root.resolve("docs/benchmarks-learn.md");
        var learnText = Files.exists(learn) ? Files.readString(learn, StandardCharsets.UTF_8).replaceFirst("(?m)^## .*\\R", "")
            : "not measured (docs/benchmarks-learn.md is missing)\n";
        var doc = new StringBuilder();
        doc.append("# Benchmarks\n\n");
        doc.append("Measured by `bin/bench` (`dev.tffashion.e2e.bench.Bench` in tests/e2e): it starts its own pipeline like the end-to-end"
            + " tests (kafka-local and the five packaged services as separate JVMs on 127.0.0.1, serve-manager's embedded model server),"
            + " trains a recipe through the pipeline, then measures. One run on one machine; the machine is shared and noisy, so"
            + " read the numbers as orders of magnitude. Latencies are in milliseconds.\n\n");
        doc.append(machine).append(String.format(Locale.ROOT, "Bench wall time: %.0f s.%n%n", seconds));
        doc.append(report);
        doc.append("Targets on 2 cores: p50 <= 15 ms and p99 <= 50 ms at 100 images/s; at least 1000 images/s sustained; pipeline"
            + " throughput at least half of direct gRPC throughput. Whether each is met is stated under its section.\n\n");
        doc.append("## (a) In-process inference (SavedModelBundle, 1 image per call)\n\n")
            .append(s.getOrDefault("a", "not measured\n")).append('\n');
        doc.append("## (b) Direct gRPC Predict against the model server (").append(endpoint.annotation("grpcTarget"))
            .append(", version ").append(endpoint.annotation("modelVersion")).append(")\n\n")
            .append(s.getOrDefault("b", "not measured\n")).append('\n');
        doc.append("## (c) Pipeline latency, HTTP drop to prediction on Kafka\n\nFrom the client's clock before `POST /imageInput` to"
            + " the timestamp of the prediction record on `tf-fashion.predict.prediction` (same machine, same clock; ms"
            + " resolution). Open loop: drops are sent at the rate whatever the answers. Before it, 30 images at 10/s warm the"
            + " pipeline up (not counted).\n\n"
            + "| rate | images | p50 | p95 | p99 | max | refused |\n|---|---|---|---|---|---|---|\n")
            .append(s.getOrDefault("c10", "not measured\n"))
            .append(s.getOrDefault("c100", "not measured\n")).append('\n');
        doc.append(target("p50 <= 15 ms and p99 <= 50 ms at 100 images/s", s.get("c100met"))).append('\n');
        doc.append("## (d) Maximum sustained throughput\n\n").append(s.getOrDefault("d", "not measured\n")).append('\n');
        doc.append(target("at least 1000 images/s sustained", s.get("dmet"))).append('\n');
        doc.append("## (e) Ratios\n\n").append(s.getOrDefault("e", "not measured\n")).append('\n');
        doc.append(target("pipeline throughput at least half of direct gRPC throughput", s.get("emet"))).append('\n');
        doc.append("## (f) Training time and accuracy per recipe (from docs/benchmarks-learn.md)\n\n").append(learnText).append('\n');
        doc.append("## (g) Memory (RSS) per process\n\n").append(s.get("g")).append('\n');
        doc.append("## (h) Agreement over the 10000 test images\n\n").append(s.getOrDefault("h", "not measured\n")).append('\n');
        Files.writeString(out, doc.toString(), StandardCharsets.UTF_8);
        System.out.println("wrote " + out);
    }

    private static String met(boolean met, String measured) {
        return (met ? "**met**" : "**not met**") + " (" + measured + ")";
    }

    private static String target(String what, String met) {
        return "Target " + what + ": " + (met == null ? "see the numbers above" : met) + ".\n";
    }

    private static String machine() throws IOException, InterruptedException {
        var cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
            .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        var mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal")).findFirst()
            .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024 / 1024 + " GiB").orElse("unknown");
        var load = Files.readString(Path.of("/proc/loadavg")).trim();
        var git = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
        var commit = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        git.waitFor();
        return String.format(Locale.ROOT, "Run %s on %d cores (%s), %s memory, Java %s; commit %s (plus the working tree's uncommitted"
            + " changes, if any); load average at start %s.%n%n", Instant.now(), Runtime.getRuntime().availableProcessors(), cpu, mem,
            System.getProperty("java.version"), commit, load);
    }

    private static String ms(double nanos) {
        return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }

    /** A measured section: its markdown, a headline value, the latency statistics. */
    private static final class Measured {
        final String text;
        final double value;
        final Stats stats;
        double batched;
        String agreement;

        Measured(String text, double value, Stats stats) {
            this.text = text;
            this.value = value;
            this.stats = stats;
        }
    }

    /** Percentiles over nanosecond samples. */
    private record Stats(long[] sorted) {

        static Stats of(long[] samples) {
            var copy = samples.clone();
            Arrays.sort(copy);
            return new Stats(copy);
        }

        double p(double percentile) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
        }

        double mean() {
            return Arrays.stream(sorted).average().orElse(Double.NaN);
        }

        double max() {
            return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
        }
    }
}
