package dev.tffashion.e2e.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tffashion.e2e.Jsons;
import dev.tffashion.e2e.PipelineProcesses;
import dev.tffashion.e2e.TestImages;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The soak: the packaged pipeline (as {@link PipelineProcesses} starts it) takes pictures at a fixed rate for a long time
 * (default 30 minutes at 100 images/s, open loop, Fashion-MNIST test PNGs over HTTP with an Idempotency-Key and retries as a
 * user's client would). Every minute it prints drops accepted, outcomes, backlog, latency and each process's resident memory;
 * at the end it waits for the backlog and counts lost values (accepted, no prediction nor dead letter) and duplicates delivered
 * to users (an image with two different prediction values). Reads the prediction and dead-letter topics with its own lean
 * consumer (image id, value id, timestamp), so the bookkeeping of 180000 values stays small. Run by {@code bin/bench soak}.
 */
public final class Soak {

    private static final String PREDICTIONS = "tf-fashion.predict.prediction";
    private static final List<String> DEAD_LETTERS = List.of("tf-fashion.imageConvert.dlq", "tf-fashion.predict.dlq");
    private static final String ENDPOINTS = "tf-fashion.serve.endpoint";

    private final Path root = PipelineProcesses.projectRoot();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Long> sentAt = new ConcurrentHashMap<>();
    private final Map<String, Long> outcomeAt = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> predictionIds = new ConcurrentHashMap<>();
    private final Set<String> deadLettered = ConcurrentHashMap.newKeySet();
    private final AtomicInteger predictionRecords = new AtomicInteger();
    private final AtomicInteger endpoints = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger gaveUp = new AtomicInteger();
    private final AtomicInteger retried = new AtomicInteger();
    private final AtomicBoolean stopReading = new AtomicBoolean();
    private final Map<String, Long> cpuBefore = new HashMap<>();
    private long cpuSince;
    private PipelineProcesses pipeline;

    /** Options: --minutes M (30), --rate R images/s (100), --recipe FILE (samples/recipes/quick.yaml), --out FILE (print only). */
    public static void main(String[] args) throws Exception {
        var options = new HashMap<String, String>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("usage: bin/bench soak [--minutes 30] [--rate 100] [--recipe FILE] [--out FILE]");
                System.exit(2);
            }
            options.put(args[i].substring(2), args[++i]);
        }
        int code;
        try {
            code = new Soak().run(Integer.parseInt(options.getOrDefault("minutes", "30")),
                Integer.parseInt(options.getOrDefault("rate", "100")), options.getOrDefault("recipe", "samples/recipes/quick.yaml"),
                options.get("out"));
        } catch (Exception | AssertionError e) {
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    private int run(int minutes, int rate, String recipe, String out) throws Exception {
        var images = TestImages.load();
        var pngs = new byte[images.count()][];
        for (int i = 0; i < pngs.length; i++) {
            pngs[i] = images.png(i);
        }
        var header = String.format(Locale.ROOT, "Soak run %s, commit %s, %d cores, Java %s, load average at start %s: %d minutes at %d"
            + " images/s, recipe %s.%n", Instant.now(), commit(), Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.version"), Files.readString(Path.of("/proc/loadavg")).trim(), minutes, rate, recipe);
        System.out.print(header);
        var work = Files.createDirectories(root.resolve("tests/e2e/target/soak")).resolve("run-" + System.currentTimeMillis());
        pipeline = PipelineProcesses.start(work, Map.of());
        var reader = new Thread(this::read, "soak-reader");
        reader.start();
        try {
            var endpointsBefore = endpoints.get();
            drop("scriptInput", Path.of(recipe).getFileName().toString(), Files.readAllBytes(root.resolve(recipe)));
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (endpoints.get() == endpointsBefore) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no model served 5 minutes after the recipe drop; see " + pipeline.log("learn"));
                }
                Thread.sleep(200);
            }
            System.out.println("soak: model served; dropping");
            cpuSince = System.currentTimeMillis();
            pipeline.pids().forEach((name, pid) -> cpuBefore.put(name, cpuTicks(pid)));
            var table = new StringBuilder("| minute | accepted | outcomes | backlog | latency p50 / p99 of the minute's outcomes"
                + " | RSS (MiB) " + String.join(" / ", pipeline.pids().keySet()) + " | CPU (% of one core) " + String.join(" / ",
                pipeline.pids().keySet()) + " |\n|---|---|---|---|---|---|---|\n");
            var rssFirst = new LinkedHashMap<String, Long>();
            var rssLast = new LinkedHashMap<String, Long>();
            var pool = Executors.newFixedThreadPool(32);
            long interval = 1_000_000_000L / rate;
            long start = System.nanoTime();
            long next = start;
            int index = 0;
            for (int minute = 1; minute <= minutes; minute++) {
                long minuteEnd = start + Duration.ofMinutes(minute).toNanos();
                long minuteStartMillis = System.currentTimeMillis();
                while (next < minuteEnd) {
                    LockSupport.parkNanos(next - System.nanoTime());
                    next += interval;
                    int i = index++;
                    pool.submit(() -> dropImage(i, pngs[i % pngs.length]));
                }
                var line = minuteLine(minute, minuteStartMillis, rssFirst, rssLast, minute == Math.min(5, minutes));
                table.append(line);
                System.out.print("soak: " + line);
            }
            pool.shutdown();
            pool.awaitTermination(2, TimeUnit.MINUTES);
            long drained = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (outcomes() < sentAt.size() && System.nanoTime() < drained) {
                Thread.sleep(500);
            }
            var summary = summary(minutes, rate, index, rssFirst, rssLast);
            System.out.print(summary);
            if (out != null) {
                Files.writeString(root.resolve(out), header + "\n" + summary + "\n" + table, StandardCharsets.UTF_8);
                System.out.println("wrote " + root.resolve(out));
            }
            boolean acceptedEnough = sentAt.size() >= Math.ceil(0.98 * index);
            if (!acceptedEnough) {
                System.out.printf("soak: FAILED: only %d of %d pictures were accepted (%d refused, %d given up); at least 98%% must be%n",
                    sentAt.size(), index, refused.get(), gaveUp.get());
            }
            return acceptedEnough && summary.contains("lost 0,") && summary.contains("duplicates delivered to users 0") ? 0 : 1;
        } finally {
            stopReading.set(true);
            reader.join(10_000);
            pipeline.close();
        }
    }

    private String minuteLine(int minute, long since, Map<String, Long> rssFirst, Map<String, Long> rssLast, boolean baseline) {
        var latencies = new ArrayList<Long>();
        outcomeAt.forEach((image, at) -> {
            Long sent = sentAt.get(image);
            if (sent != null && at >= since) {
                latencies.add(at - sent);
            }
        });
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        var rss = new ArrayList<String>();
        var cpu = new ArrayList<String>();
        long nowMillis = System.currentTimeMillis();
        pipeline.pids().forEach((name, pid) -> {
            long ticks = cpuTicks(pid);
            Long before = cpuBefore.put(name, ticks);
            cpu.add(before == null ? "-" : Long.toString(Math.round((ticks - before) * 10.0 * 100 / Math.max(1, nowMillis - cpuSince))));
            long kib = PipelineProcesses.rssKib(pid).orElse(0L);
            rss.add(Long.toString(kib / 1024));
            if (baseline) {
                rssFirst.put(name, kib);
            }
            rssLast.put(name, kib);
        });
        cpuSince = nowMillis;
        int outcomes = outcomes();
        return String.format(Locale.ROOT, "| %d | %d | %d | %d | %s / %s ms | %s | %s |%n", minute, sentAt.size(), outcomes,
            sentAt.size() - outcomes, percentile(sorted, 50), percentile(sorted, 99), String.join(" / ", rss), String.join(" / ", cpu));
    }

    /** User plus system CPU time of a process in clock ticks (1/100 s), from /proc; 0 when it is gone. */
    private static long cpuTicks(long pid) {
        try {
            var stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private String summary(int minutes, int rate, int asked, Map<String, Long> rssFirst, Map<String, Long> rssLast) {
        var lost = new HashSet<>(sentAt.keySet());
        lost.removeAll(outcomeAt.keySet());
        long duplicatesForUsers = predictionIds.values().stream().filter(ids -> ids.size() > 1).count();
        long distinct = predictionIds.values().stream().mapToLong(Set::size).sum();
        long[] all = sentAt.entrySet().stream().filter(e -> outcomeAt.containsKey(e.getKey()))
            .mapToLong(e -> outcomeAt.get(e.getKey()) - e.getValue()).sorted().toArray();
        var memory = new StringBuilder();
        rssLast.forEach((name, kib) -> memory.append(String.format(Locale.ROOT, "%s %d -> %d MiB; ", name,
            rssFirst.getOrDefault(name, 0L) / 1024, kib / 1024)));
        return String.format(Locale.ROOT, "%d pictures asked at %d/s over %d min: accepted %d, refused %d, given up %d (retries %d);"
            + " predicted %d images, dead letters %d; lost %d, duplicates delivered to users %d (prediction records %d,"
            + " duplicates on the topic dropped by id %d); latency p50 %s ms, p99 %s ms, max %s ms.%nRSS from minute %d to the end:"
            + " %s%n", asked, rate, minutes, sentAt.size(), refused.get(), gaveUp.get(), retried.get(), predictionIds.size(),
            deadLettered.size(), lost.size(), duplicatesForUsers, predictionRecords.get(), predictionRecords.get() - distinct,
            percentile(all, 50),
            percentile(all, 99), all.length == 0 ? "-" : Long.toString(all[all.length - 1]), Math.min(5, minutes), memory);
    }

    private int outcomes() {
        return outcomeAt.size();
    }

    private static String percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return "-";
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return Long.toString(sorted[Math.max(0, Math.min(sorted.length - 1, i))]);
    }

    /** One picture as a user's client sends it: an Idempotency-Key, retried on no answer or 5xx for up to a minute. */
    private Void dropImage(int index, byte[] png) {
        long sent = System.currentTimeMillis();
        try {
            var id = drop("imageInput", "soak-" + index + ".png", png);
            if (id != null) {
                sentAt.put(id, sent);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    private String drop(String task, String name, byte[] content) throws InterruptedException {
        var key = UUID.randomUUID().toString();
        long giveUp = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (true) {
            try {
                var request = HttpRequest.newBuilder(pipeline.fileDrop().resolve("/" + task + "?name=" + name))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/octet-stream").header("Idempotency-Key", key)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(content)).build();
                var response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 202) {
                    return Jsons.read(response.body()).path("id").asText();
                }
                if (response.statusCode() < 500 && response.statusCode() != 409) {
                    refused.incrementAndGet();
                    System.out.println("soak: " + name + " refused: " + response.statusCode() + " " + response.body());
                    return null;
                }
            } catch (IOException e) {
                // no answer: retried with the same key
            }
            if (System.nanoTime() > giveUp) {
                gaveUp.incrementAndGet();
                System.out.println("soak: " + name + " gave up after a minute of retries (no answer or 5xx)");
                return null;
            }
            retried.incrementAndGet();
            Thread.sleep(500);
        }
    }

    private void read() {
        var props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrap());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "soak-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        var topics = new ArrayList<String>(DEAD_LETTERS);
        topics.add(PREDICTIONS);
        topics.add(ENDPOINTS);
        try (var consumer = new KafkaConsumer<String, String>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(topics);
            while (!stopReading.get()) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    if (ENDPOINTS.equals(record.topic())) {
                        endpoints.incrementAndGet();
                    } else if (PREDICTIONS.equals(record.topic())) {
                        predictionRecords.incrementAndGet();
                        JsonNode value = Jsons.read(record.value());
                        for (var image : imageIds(value)) {
                            predictionIds.computeIfAbsent(image, k -> ConcurrentHashMap.newKeySet()).add(value.path("id").asText());
                            outcomeAt.putIfAbsent(image, record.timestamp());
                        }
                    } else {
                        for (var image : deadLetterImages(record.key(), record.value())) {
                            deadLettered.add(image);
                            outcomeAt.putIfAbsent(image, record.timestamp());
                        }
                    }
                }
            }
        }
    }

    /** The images a dead letter stands for: the dropped image itself (imageConvert.dlq) or its tensor's source (predict.dlq). */
    private static List<String> deadLetterImages(String key, String value) {
        try {
            var node = Jsons.read(value);
            var images = imageIds(node);
            return images.isEmpty() ? List.of(node.path("id").asText(key)) : images;
        } catch (RuntimeException e) {
            return key == null ? List.of() : List.of(key);
        }
    }

    /** The image ids a value came from (lineage input "image"). */
    private static List<String> imageIds(JsonNode value) {
        var ids = new ArrayList<String>();
        for (var input : value.path("sourceInputs")) {
            if ("image".equals(input.path("input").asText())) {
                input.path("ids").forEach(id -> ids.add(id.asText()));
            }
        }
        return ids;
    }

    private static String commit() throws IOException, InterruptedException {
        var git = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
        var commit = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        git.waitFor();
        return commit;
    }
}
