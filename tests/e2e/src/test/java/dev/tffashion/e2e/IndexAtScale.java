package dev.tffashion.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.PredictionValue;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.store.FileContentStore;

/**
 * Index at scale (issue 14): puts N prediction values straight onto the prediction topic with a generator (no picture goes
 * through the pipeline: {@code GET /v1/predictions/{image}} needs only the prediction, linked to its image by its own lineage),
 * then starts a file-drop with an empty state directory and measures how long it takes to be ready (process start to
 * {@code /q/health/ready}), the latency of {@code GET /v1/predictions/{image}} for the first and the last image, and the heap
 * (the JVM's own {@code jvm_memory_used_bytes{area="heap"}}, sampled while it loads and answers). Then it kills file-drop
 * ({@code kill -9}) and starts it again on its kept state directory: the time to ready of a restart that resumes from its stores.
 * Used by {@code IndexAtScaleIT} (small N) and the bench's section (N = {@code --index-values}, default 1,000,000).
 */
public final class IndexAtScale {

    /** The heap the target allows: file-drop runs with this -Xmx here. */
    public static final String HEAP = "-Xmx512m";
    private static final String FILE_DROP = "file-drop";
    private static final int WARMUP = 300;
    private static final int REQUESTS = 500;
    private static final Pattern HEAP_USED = Pattern.compile("^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*\\} ([0-9.eE+-]+)$",
        Pattern.MULTILINE);

    /** What was measured. */
    public record Result(int values, double generateSeconds, double readySeconds, double restartReadySeconds, Latency first,
            Latency last, long maxHeapBytes, long stateDirBytes, String restoreLine) {
    }

    /** Latencies of one image's GET, in ms. */
    public record Latency(double p50, double p99, double max) {
    }

    private IndexAtScale() {
    }

    /** Image id of the n-th generated prediction. */
    public static String image(int n) {
        return "scale-img-" + n;
    }

    /** Runs the whole measurement in a pipeline of its own under {@code work} (the broker and file-drop only). */
    public static Result measure(Path work, int values) throws Exception {
        var none = new LinkedHashMap<String, Integer>();
        PipelineProcesses.SERVICES.forEach(s -> none.put(s, 0));
        none.put(FILE_DROP, 1);
        try (var pipeline = PipelineProcesses.start(work, Map.of(FILE_DROP, List.of(HEAP)), none)) {
            // The first start created the topics; stop it, fill the prediction topic, and start a fresh replica.
            pipeline.kill(FILE_DROP);
            long generating = System.nanoTime();
            generate(pipeline.bootstrap(), work.resolve("generator-store"), values);
            double generateSeconds = (System.nanoTime() - generating) / 1e9;
            Path state = work.resolve("file-drop-index").resolve(FILE_DROP);
            deleteTree(state);

            AtomicLong maxHeap = new AtomicLong();
            AtomicReference<Boolean> sampling = new AtomicReference<>(true);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            Thread sampler = new Thread(() -> sampleHeap(http, pipeline.http(FILE_DROP), maxHeap, sampling), "index-scale-heap");
            sampler.setDaemon(true);
            sampler.start();
            long starting = System.nanoTime();
            pipeline.restart(FILE_DROP);
            double readySeconds = (System.nanoTime() - starting) / 1e9;
            Latency first = latency(http, pipeline.fileDrop(), image(0));
            Latency last = latency(http, pipeline.fileDrop(), image(values - 1));
            String restore = restoreLine(pipeline.log(FILE_DROP));

            pipeline.kill(FILE_DROP);
            long restarting = System.nanoTime();
            pipeline.restart(FILE_DROP);
            double restartSeconds = (System.nanoTime() - restarting) / 1e9;
            latency(http, pipeline.fileDrop(), image(values - 1));
            sampling.set(false);
            sampler.join(5000);
            return new Result(values, generateSeconds, readySeconds, restartSeconds, first, last, maxHeap.get(), size(state), restore);
        }
    }

    /** Produces {@code values} predictions of images {@link #image}(0..values-1), in order, on the prediction topic. */
    public static void generate(String bootstrap, Path contentRoot, int values) throws Exception {
        var contents = new FileContentStore(contentRoot);
        var probabilities = new java.util.ArrayList<PredictionValue.ClassProbability>();
        for (int i = 0; i < 10; i++) {
            probabilities.add(new PredictionValue.ClassProbability(i, "class " + i, i == 3 ? 0.91f : 0.01f));
        }
        var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
            ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024), new StringSerializer(), new ByteArraySerializer());
        AtomicReference<Exception> failed = new AtomicReference<>();
        try (producer) {
            for (int n = 0; n < values; n++) {
                AnnotatedValue prediction = PredictionValue.of("tf-fashion", "scale-tensor-" + n, image(n), "scale-endpoint",
                    new PredictionValue.Content(3, "class 3", 0.91f, probabilities, false,
                        new PredictionValue.Model("fashion", 1, "serving_default"))).toValue(contents);
                RecordHeaders headers = new RecordHeaders();
                byte[] bytes = ValueRecords.encode(prediction, headers);
                producer.send(new ProducerRecord<>("tf-fashion.predict.prediction", null, prediction.id(), bytes, headers), (m, e) -> {
                    if (e != null) {
                        failed.compareAndSet(null, e);
                    }
                });
                if (failed.get() != null) {
                    throw failed.get();
                }
            }
            producer.flush();
        }
        if (failed.get() != null) {
            throw failed.get();
        }
    }

    private static Latency latency(HttpClient http, URI fileDrop, String image) throws IOException, InterruptedException {
        URI uri = fileDrop.resolve("/v1/predictions/" + image);
        double[] ms = new double[REQUESTS];
        for (int i = -WARMUP; i < REQUESTS; i++) {
            long start = System.nanoTime();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
            long took = System.nanoTime() - start;
            if (response.statusCode() != 200 || !response.body().contains("\"imageId\":\"" + image + "\"")) {
                throw new AssertionError("GET " + uri + " answered " + response.statusCode() + ": " + response.body());
            }
            if (i >= 0) {
                ms[i] = took / 1e6;
            }
        }
        Arrays.sort(ms);
        return new Latency(ms[REQUESTS / 2], ms[(int) Math.ceil(REQUESTS * 0.99) - 1], ms[REQUESTS - 1]);
    }

    private static void sampleHeap(HttpClient http, URI service, AtomicLong max, AtomicReference<Boolean> sampling) {
        URI metrics = service.resolve("/q/metrics");
        while (sampling.get()) {
            try {
                String text = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
                Matcher m = HEAP_USED.matcher(text);
                long used = 0;
                while (m.find()) {
                    used += (long) Double.parseDouble(m.group(1));
                }
                max.accumulateAndGet(used, Math::max);
            } catch (IOException e) {
                // not started yet, or restarting
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static String restoreLine(Path log) throws IOException {
        try (Stream<String> lines = Files.lines(log)) {
            return lines.filter(l -> l.contains("index: stores restored in")).reduce((a, b) -> b).map(String::strip).orElse("");
        }
    }

    private static long size(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The result as a markdown section body (written into docs/benchmarks.md by the bench). */
    public static String markdown(Result r) {
        var text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "%,d prediction values put straight onto `tf-fashion.predict.prediction` by a generator"
            + " (%.0f s), then a file-drop started with an empty index state directory and `%s`, alone with its broker on this"
            + " machine (%d cores, shared with whatever else runs: the figures are under that load). Ready: process start to"
            + " `/q/health/ready`. Latency: %d sequential `GET /v1/predictions/{image}` after %d warm-up ones. Heap: the most"
            + " `jvm_memory_used_bytes{area=\"heap\"}` seen, sampled every 200 ms while it loaded and answered.%n%n", r.values(),
            r.generateSeconds(), HEAP, Runtime.getRuntime().availableProcessors(), REQUESTS, WARMUP));
        text.append("| figure | measured | target |\n|---|---|---|\n");
        text.append(String.format(Locale.ROOT, "| ready, empty state dir | %.1f s | ≤ 60 s %s |%n", r.readySeconds(),
            r.readySeconds() <= 60 ? "(met)" : "(**not met**)"));
        text.append(String.format(Locale.ROOT, "| ready again after `kill -9`, kept state dir | %.1f s | |%n", r.restartReadySeconds()));
        text.append(String.format(Locale.ROOT, "| first image: p50 / p99 / max | %.1f / %.1f / %.1f ms | p99 ≤ 50 ms %s |%n",
            r.first().p50(), r.first().p99(), r.first().max(), r.first().p99() <= 50 ? "(met)" : "(**not met**)"));
        text.append(String.format(Locale.ROOT, "| last image: p50 / p99 / max | %.1f / %.1f / %.1f ms | p99 ≤ 50 ms %s |%n",
            r.last().p50(), r.last().p99(), r.last().max(), r.last().p99() <= 50 ? "(met)" : "(**not met**)"));
        text.append(String.format(Locale.ROOT, "| heap used, most seen | %.0f MiB | ≤ 512 MiB %s |%n", r.maxHeapBytes() / 1048576.0,
            r.maxHeapBytes() <= 512L * 1048576 ? "(met)" : "(**not met**)"));
        text.append(String.format(Locale.ROOT, "| index state on disk | %.0f MiB | |%n", r.stateDirBytes() / 1048576.0));
        if (!r.restoreLine().isEmpty()) {
            text.append(String.format(Locale.ROOT, "%nfile-drop's own line for the cold start: `%s`%n",
                r.restoreLine().replaceAll("^.*index: ", "index: ")));
        }
        return text.toString();
    }
}
