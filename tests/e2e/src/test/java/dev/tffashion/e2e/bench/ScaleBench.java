package dev.tffashion.e2e.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.tffashion.e2e.PipelineProcesses;

/**
 * The scale section of the bench (issue 14): the pipeline's sustained throughput with 1 and with 2 replicas of image-convert
 * and predict, each in a fresh pipeline of its own (kafka-local and the packaged services as processes, the recipe trained
 * through it), closed loop as the main saturation run. With two replicas, the data topics keep their 3 partitions, so each
 * replica of a task owns one or two of them. docs/scaling.md turns the per-process costs into a model of how throughput grows.
 * Options: --scale-replicas 1,2, --scale-warmup-seconds 30, --scale-seconds 30, --scale-in-flight 256.
 */
final class ScaleBench implements BenchSection {

    private static final Duration DRAIN = Duration.ofSeconds(60);
    private static final int PRIMING = 60;

    static BenchSection section() {
        return new ScaleBench();
    }

    @Override
    public String title() {
        return "Scale: replicas of image-convert and predict";
    }

    @Override
    public String measure(Context context) throws Exception {
        var options = context.options();
        var counts = options.getOrDefault("scale-replicas", "1,2").split(",");
        var warmup = Duration.ofSeconds(Long.parseLong(options.getOrDefault("scale-warmup-seconds", "30")));
        var measured = Duration.ofSeconds(Long.parseLong(options.getOrDefault("scale-seconds", "30")));
        int inFlight = Integer.parseInt(options.getOrDefault("scale-in-flight", "256"));
        var recipe = PipelineProcesses.projectRoot().resolve(options.getOrDefault("recipe", "samples/recipes/quick.yaml"));
        var pngs = new byte[context.images().count()][];
        for (int i = 0; i < pngs.length; i++) {
            pngs[i] = context.images().png(i);
        }
        var rows = new ArrayList<Row>();
        for (var count : counts) {
            rows.add(run(Integer.parseInt(count.strip()), recipe, pngs, inFlight, warmup, measured));
        }
        var text = new StringBuilder(String.format(Locale.ROOT, "Each row is a fresh pipeline of its own (the main pipeline above"
            + " idles meanwhile) with that many replicas of image-convert and of predict, and one of every other process;"
            + " `%s` trained through it; then closed loop, %d pictures in flight, %d s warm-up and %d s measured, as in"
            + " \"Sustained throughput\". CPU per picture: utime + stime of each process over the measured window, replicas"
            + " summed, divided by the predictions timestamped in it.%n%n", PipelineProcesses.projectRoot().relativize(recipe),
            inFlight, warmup.toSeconds(), measured.toSeconds()));
        var processes = new ArrayList<String>();
        rows.forEach(r -> r.cpuPerPicture().keySet().stream().filter(p -> !processes.contains(p)).forEach(processes::add));
        text.append("| replicas of image-convert and predict | sustained pictures/s | failures | CPU per picture, all processes |");
        processes.forEach(p -> text.append(' ').append(p).append(" |"));
        text.append("\n|---|---|---|---|").append("---|".repeat(processes.size())).append('\n');
        for (var row : rows) {
            text.append(String.format(Locale.ROOT, "| %d | **%.0f** | %s | %.2f ms |", row.replicas(), row.throughput(), row.failures(),
                row.cpuPerPicture().values().stream().mapToDouble(Double::doubleValue).sum()));
            processes.forEach(p -> text.append(String.format(Locale.ROOT, " %s |", row.cpuPerPicture().containsKey(p)
                ? String.format(Locale.ROOT, "%.3f ms", row.cpuPerPicture().get(p)) : "-")));
            text.append('\n');
        }
        if (rows.size() >= 2) {
            var first = rows.get(0);
            var last = rows.get(rows.size() - 1);
            text.append(String.format(Locale.ROOT, "%nFrom %d to %d replicas, throughput changes by a factor of %.2f on %d cores.%n",
                first.replicas(), last.replicas(), last.throughput() / first.throughput(), Runtime.getRuntime().availableProcessors()));
        }
        return text.toString();
    }

    /** One pipeline's figures: CPU per picture by service (its replicas summed) and by the broker. */
    private record Row(int replicas, double throughput, String failures, Map<String, Double> cpuPerPicture) {
    }

    /**
     * Sends {@value #PRIMING} pictures and waits for their predictions, so that every replica has its partitions, its model and
     * its gRPC channel before the closed loop starts (a replica connects to the model server on its first tensor).
     */
    static void prime(PipelineProcesses pipeline, PipelineRecords records, byte[][] pngs) throws Exception {
        var ids = new ArrayList<String>();
        for (int i = 0; i < PRIMING; i++) {
            ids.add(pipeline.drop("imageInput", "prime-" + i + ".png", pngs[i % pngs.length]));
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        for (var id : ids) {
            while (records.trace(id) == null || !records.trace(id).done()) {
                records.requireRunning();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the priming pictures got no outcome within 3 minutes; see the logs");
                }
                Thread.sleep(20);
            }
        }
        records.forget(ids);
    }

    private Row run(int replicas, Path recipe, byte[][] pngs, int inFlight, Duration warmup, Duration measured) throws Exception {
        var work = Files.createDirectories(PipelineProcesses.projectRoot().resolve("tests/e2e/target/bench"))
            .resolve("scale-" + replicas + "-" + System.currentTimeMillis());
        System.out.printf(Locale.ROOT, "bench: scale, %d replicas of image-convert and predict%n", replicas);
        try (var pipeline = PipelineProcesses.start(work, Map.of(), Map.of("image-convert", replicas, "predict", replicas))) {
            TrainedModel.through(pipeline, recipe);
            var cpu = new Cpu(pipeline.pids());
            var marks = new Cpu.Snapshot[2];
            List<LoadGenerator.Drop> drops;
            try (var records = new PipelineRecords(pipeline.bootstrap()); var generator = new LoadGenerator(pipeline.fileDrop())) {
                prime(pipeline, records, pngs);
                drops = generator.closedLoop(inFlight, warmup.plus(measured), i -> pngs[i % pngs.length], records, DRAIN,
                    System.nanoTime() + warmup.toNanos(), new LoadGenerator.Marks(() -> marks[0] = cpu.snapshot(),
                        () -> marks[1] = cpu.snapshot()));
                long from = marks[0].epochMillis();
                long to = marks[1].epochMillis();
                long predicted = drops.stream().map(d -> d.id == null ? null : records.trace(d.id))
                    .filter(t -> t != null && t.predicted >= from && t.predicted < to).count();
                var window = Cpu.between(marks[0], marks[1]);
                var perPicture = new LinkedHashMap<String, Double>();
                window.cpuNanos().forEach((process, nanos) -> {
                    if (!process.equals(Cpu.BENCH)) {
                        perPicture.merge(PipelineProcesses.serviceOf(process), nanos / 1e6 / Math.max(1, predicted), Double::sum);
                    }
                });
                long failed = drops.stream().filter(d -> d.failure != null).count();
                double throughput = predicted / (window.wallNanos() / 1e9);
                System.out.printf(Locale.ROOT, "bench: scale, %d replicas: %.0f pictures/s%n", replicas, throughput);
                return new Row(replicas, throughput, failed == 0 ? "none" : failed + " of " + drops.size(), perPicture);
            }
        }
    }
}
