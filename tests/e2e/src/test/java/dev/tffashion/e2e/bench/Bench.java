package dev.tffashion.e2e.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpServer;
import dev.tffashion.e2e.InProcessModel;
import dev.tffashion.e2e.Jsons;
import dev.tffashion.e2e.PipelineProcesses;
import dev.tffashion.e2e.TestImages;
import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.imaging.Preprocessor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.PredictionServiceGrpc;

/**
 * The pipeline benchmark behind {@code bin/tf-fashion bench} (issue 13, "a benchmark that can be trusted"). It starts its own
 * pipeline ({@link PipelineProcesses}: kafka-local and the five packaged services on free 127.0.0.1 ports), trains a recipe
 * through it, then measures: the cold start (CPU per picture over the first pictures), open-loop latency at fixed rates
 * (counted from the moment each drop was due, failures counted), latency per hop from record timestamps, the sustained
 * throughput, CPU per picture of each process from /proc, direct gRPC Predict at the batch size predict used, resident
 * memory, the agreement of the pipeline's labels with in-process inference through the real preprocessing, and then the cost of
 * tracing and of a challenger in shadow on the same pipeline ({@link CostSections}). It writes
 * the whole of docs/benchmarks.md (or --out) and computes each target of issue 13 from the measured numbers. Drops go over
 * HTTP to file-drop; reads tf-fashion.imageInput.droppedFile, imageConvert.tensor, predict.prediction and the dead-letter
 * topics (with {@link PipelineRecords}), learn.model and serve.endpoint while training.
 */
public final class Bench {

    private static final Map<String, String> DEFAULTS = defaults();
    private static final int MEASURE_MINIMUM_SECONDS = 60;
    /** The cold pipeline counts as at steady cost when its last block of the first pictures costs at most this much more. */
    private static final double STEADY_TOLERANCE = 1.25;
    private static final int COLD_BLOCKS = 4;
    private static final Duration DRAIN = Duration.ofSeconds(60);

    // ---- Sections measured by other classes -------------------------------------------------------------------------
    // Add a section measured outside this class here (for example TF Serving's batching, BatchingBench): a BenchSection
    // whose measure(context) returns its markdown. Each runs after the agreement with the pipeline idle, and its markdown
    // is written under its own heading before the memory section. A section that fails is written as "not measured".
    // Each has a name for --extra-sections (all by default; "none" skips them).
    private static final Map<String, Supplier<BenchSection>> EXTRA_SECTIONS = extraSections();
    // ------------------------------------------------------------------------------------------------------------------

    private final Path root = PipelineProcesses.projectRoot();
    private final Map<String, String> options;
    private final Map<String, String> doc = new LinkedHashMap<>();
    /** The waits for a quiet machine before the run's phases (not the cost rows'), in order: what each found. */
    private final List<String> quietWaits = new ArrayList<>();
    private final Map<String, Target> targets = new LinkedHashMap<>();
    private final long epochOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
    private PipelineProcesses pipeline;
    private PipelineRecords records;
    private LoadGenerator generator;
    private Cpu cpu;
    private TestImages images;
    private byte[][] pngs;
    private final Map<Double, Phase> fixedRates = new LinkedHashMap<>();

    private Bench(Map<String, String> options) {
        this.options = options;
    }

    private static Map<String, Supplier<BenchSection>> extraSections() {
        var sections = new LinkedHashMap<String, Supplier<BenchSection>>();
        sections.put("batching", BatchingBench::section);
        sections.put("scale", ScaleBench::section);
        sections.put("index", IndexScaleBench::section);
        return sections;
    }

    private static Map<String, String> defaults() {
        var d = new LinkedHashMap<String, String>();
        d.put("recipe", "samples/recipes/quick.yaml");
        d.put("out", "docs/benchmarks.md");
        d.put("rates", "10,100");
        d.put("warmup-seconds", "60");
        d.put("seconds", "60");
        d.put("max-in-flight", "1024");
        d.put("saturation-in-flight", "256");
        d.put("cold-pictures", "1000");
        d.put("cold-rate", "100");
        d.put("grpc-seconds", "30");
        d.put("generator-rate", "2000");
        d.put("generator-seconds", "10");
        d.put("agreement-images", "10000");
        d.put("preprocessed-images", "10000");
        // the scale section (ScaleBench): a fresh pipeline per replica count of image-convert and predict
        d.put("scale-replicas", "1,2");
        d.put("scale-warmup-seconds", "30");
        d.put("scale-seconds", "30");
        d.put("scale-in-flight", "256");
        d.put("index-values", "1000000");
        // off: the services' default; on: every service traces, exporting to an OTLP receiver in the bench JVM (compare the
        // CPU per picture of two runs, docs/observability.md)
        d.put("tracing", "off");
        // the sections of other classes to run (Bench.EXTRA_SECTIONS), or none
        d.put("extra-sections", String.join(",", extraSections().keySet()));
        // the cost comparisons (CostSections), after the memory reading, on the same pipeline: tracing off and on (issue 18), and
        // without and with a challenger in shadow (issue 16); each configuration measured at saturation (CPU) and at cost-rate
        d.put("tracing-cost", "on");
        d.put("shadow-cost", "on");
        d.put("cost-warmup-seconds", "60");
        d.put("cost-seconds", "30");
        d.put("cost-rate", "100");
        return d;
    }

    /** Options: see {@link #usage()}; every one has a default, --name value each. */
    public static void main(String[] args) {
        var options = new LinkedHashMap<>(DEFAULTS);
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(usage());
            System.exit(0);
        }
        for (int i = 0; i < args.length; i++) {
            var name = args[i].startsWith("--") ? args[i].substring(2) : null;
            if (name == null || !DEFAULTS.containsKey(name) || i + 1 >= args.length) {
                System.err.println("bin/bench: unknown or incomplete option '" + args[i] + "'\n" + usage());
                System.exit(2);
            }
            options.put(name, args[++i]);
        }
        boolean smoke = Integer.parseInt(options.get("warmup-seconds")) < MEASURE_MINIMUM_SECONDS
            || Integer.parseInt(options.get("seconds")) < MEASURE_MINIMUM_SECONDS;
        boolean outGiven = Arrays.asList(args).contains("--out");
        if (smoke && !outGiven) {
            options.put("out", "tests/e2e/target/bench/benchmarks-smoke.md");
        } else if (smoke && Path.of(options.get("out")).normalize().endsWith(Path.of("docs/benchmarks.md"))) {
            System.err.println("bin/bench: a smoke run (warm-up or measured window under " + MEASURE_MINIMUM_SECONDS
                + " s) does not write docs/benchmarks.md; drop --out or give another file");
            System.exit(2);
        }
        int code;
        try {
            new Bench(options).run(smoke);
            code = 0;
        } catch (Exception | AssertionError e) {
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    private static String usage() {
        var text = new StringBuilder("usage: bin/bench [--option value]...; options and defaults:\n");
        DEFAULTS.forEach((name, value) -> text.append("  --").append(name).append(' ').append(value).append('\n'));
        return text.append("Warm-up or measured seconds under 60 make a smoke run, written to tests/e2e/target/bench/benchmarks-smoke.md.")
            .toString();
    }

    private int option(String name) {
        try {
            return Integer.parseInt(options.get(name));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number, got '" + options.get(name) + "'");
        }
    }

    private void run(boolean smoke) throws Exception {
        var recipe = root.resolve(options.get("recipe"));
        if (!Files.isRegularFile(recipe)) {
            throw new IllegalArgumentException("--recipe " + options.get("recipe") + ": no such file under " + root);
        }
        var out = root.resolve(options.get("out"));
        var rates = Arrays.stream(options.get("rates").split(",")).map(String::trim).mapToDouble(Double::parseDouble).toArray();
        // A run that starts on a busy machine (a build, CI or a soak just ended) measures their tail too: its first windows then
        // read slower than the same pipeline does on a quiet machine. So it waits, twice, and says what it found.
        awaitQuiet("the generator's check");
        var machine = Machine.now(root);
        System.out.println("bench: " + machine.line());
        var work = Files.createDirectories(root.resolve("tests/e2e/target/bench")).resolve("run-" + System.currentTimeMillis());
        images = TestImages.load();
        pngs = new byte[images.count()][];
        for (int i = 0; i < pngs.length; i++) {
            pngs[i] = images.png(i);
        }
        attempt("generator", () -> generatorCheck());
        long started = System.nanoTime();
        var tracing = switch (options.get("tracing")) {
            case "on" -> new dev.tffashion.e2e.OtlpTestReceiver();
            case "off" -> null;
            default -> throw new IllegalArgumentException("--tracing must be on or off, got '" + options.get("tracing") + "'");
        };
        boolean tracingCost = onOff("tracing-cost");
        boolean shadowCost = onOff("shadow-cost");
        var extras = extraSectionsChosen();
        // serve-manager's promotion gate never decides during the shadow section's measurement; nothing else depends on it
        var base = new LinkedHashMap<String, List<String>>();
        if (shadowCost) {
            base.put("serve-manager", List.of("-Dserving.rollout.shadow-predictions=" + CostSections.SHADOW_GATE_PREDICTIONS));
        }
        var own = tracing == null ? base : withEveryService(base, "-Dquarkus.otel.sdk.disabled=false",
            "-Dquarkus.otel.exporter.otlp.traces.endpoint=" + tracing.endpoint());
        pipeline = PipelineProcesses.start(work, own);
        try {
            var endpoint = trainAndServe(recipe);
            broker = new BrokerWork(pipeline.pids().get(PipelineProcesses.BROKER));
            primeBrokerReader();
            awaitQuiet("the cold start (after the training)");
            records = new PipelineRecords(pipeline.bootstrap());
            generator = new LoadGenerator(pipeline.fileDrop());
            cpu = new Cpu(pipeline.pids());
            try {
                var context = measure(rates, endpoint);
                doc.put("memory", memory(tracingCost || shadowCost));
                costs(recipe, endpoint, base, own, tracingCost, shadowCost, tracing == null);
                // Last: these sections start pipelines of their own, whose work (a million index values, RocksDB compactions)
                // would still load the machine during the cost rows above.
                extraSections(context, extras);
            } finally {
                generator.close();
                records.close();
            }
            var end = Machine.now(root);
            if (tracing != null) {
                System.out.printf("bench: tracing on, %d spans received%n", tracing.spans().size());
            }
            write(out, smoke, machine, end, (System.nanoTime() - started) / 1e9);
        } finally {
            if (broker != null) {
                broker.close();
            }
            brokerReader.shutdownNow();
            pipeline.close();
            if (tracing != null) {
                tracing.close();
            }
        }
    }

    private boolean onOff(String name) {
        return switch (options.get(name)) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("--" + name + " must be on or off, got '" + options.get(name) + "'");
        };
    }

    private List<Supplier<BenchSection>> extraSectionsChosen() {
        var chosen = new ArrayList<Supplier<BenchSection>>();
        var value = options.get("extra-sections").trim();
        if (value.equals("none")) {
            return chosen;
        }
        for (var name : value.split(",")) {
            var section = EXTRA_SECTIONS.get(name.trim());
            if (section == null) {
                throw new IllegalArgumentException("--extra-sections: no section '" + name.trim() + "'; give some of "
                    + String.join(",", EXTRA_SECTIONS.keySet()) + " (comma-separated), or none");
            }
            chosen.add(section);
        }
        return chosen;
    }

    /** The options of every service: those given, plus these for each. */
    private static Map<String, List<String>> withEveryService(Map<String, List<String>> given, String... more) {
        var all = new LinkedHashMap<String, List<String>>();
        for (var service : PipelineProcesses.SERVICES) {
            var list = new ArrayList<String>(given.getOrDefault(service, List.of()));
            list.addAll(List.of(more));
            all.put(service, List.copyOf(list));
        }
        return all;
    }

    private BenchSection.Context measure(double[] rates, Endpoint endpoint) throws Exception {
        attempt("cold", () -> coldStart());
        for (double rate : rates) {
            attempt("rate " + rate, () -> fixedRate(rate));
        }
        doc.put("rates", ratesTable());
        var saturation = attempt("saturation", () -> saturation());
        doc.put("cpu", cpuTable(saturation));
        doc.put("broker", brokerTable(saturation));
        attempt("grpc", () -> directGrpc(endpoint, saturation));
        coldTarget();
        overheadTarget(saturation);
        var modelDir = pipeline.modelsRoot().resolve(endpoint.modelName()).resolve(endpoint.version());
        try (var bundle = SavedModelBundle.load(modelDir.toString(), "serve")) {
            attempt("agreement", () -> agreement(bundle));
        }
        var sectionOptions = new LinkedHashMap<>(options);
        if (saturation != null && !Double.isNaN(saturation.meanBatch())) {
            sectionOptions.put(BatchingBench.PREDICT_MEAN_BATCH, String.format(Locale.ROOT, "%.2f", saturation.meanBatch()));
        }
        return new BenchSection.Context(pipeline, endpoint.grpcTarget(), endpoint.modelName(), endpoint.version(), modelDir,
            images, sectionOptions, cpu);
    }

    /** The sections of other classes (--extra-sections), in their order. */
    private void extraSections(BenchSection.Context context, List<Supplier<BenchSection>> extraSections) {
        var extra = new StringBuilder();
        for (var supplier : extraSections) {
            var section = supplier.get();
            String text;
            try {
                text = section.measure(context);
            } catch (Exception | AssertionError e) {
                e.printStackTrace();
                text = "not measured: " + e + "\n";
            }
            extra.append("## ").append(section.title()).append("\n\n").append(text).append('\n');
        }
        doc.put("extra", extra.toString());
    }

    /**
     * The load generator alone, before the pipeline starts: open loop at --generator-rate against an in-process sink (the JDK's
     * HttpServer answering 202 at once), to show what it can offer from this JVM and what it costs.
     */
    private Void generatorCheck() throws Exception {
        var sink = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        var sinkThreads = Executors.newFixedThreadPool(2, r -> new Thread(r, "bench-sink"));
        sink.setExecutor(sinkThreads);
        sink.createContext("/imageInput", exchange -> {
            exchange.getRequestBody().readAllBytes();
            var body = "{\"id\":\"sink\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(202, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        sink.start();
        int rate = option("generator-rate");
        try (var load = new LoadGenerator(URI.create("http://127.0.0.1:" + sink.getAddress().getPort()))) {
            var clock = new Cpu(Map.of());
            long start = System.nanoTime() + 50_000_000L;
            Cpu.Snapshot[] window = new Cpu.Snapshot[2];
            var drops = load.openLoop(rate, Duration.ofSeconds(option("generator-seconds")), option("max-in-flight"),
                i -> pngs[i % pngs.length], start, start, new LoadGenerator.Marks(() -> window[0] = clock.snapshot(),
                    () -> window[1] = clock.snapshot()));
            var cost = Cpu.between(window[0], window[1]);
            var lateness = new Latency();
            var answered = new Latency();
            for (var drop : drops) {
                lateness.record(drop.sent - drop.due);
                if (drop.failure != null) {
                    answered.fail(drop.failure);
                } else {
                    answered.record(drop.answered - drop.due);
                }
            }
            double perDrop = cost.generatorNanos() / 1e6 / drops.size();
            doc.put("generator", String.format(Locale.ROOT, "Before the pipeline starts, the generator offers %d drops/s for %s s, open"
                    + " loop, to a sink in the same JVM (the JDK's HttpServer, 2 threads, answering 202 at once; 28x28 PNG bodies).%n%n"
                    + "| drops due | answered 202 | failures | lateness (due → sent) p50 / p99 / max | due → answer p50 / p99 |"
                    + " generator threads' CPU per drop | bench JVM CPU per drop (sink included) |%n|---|---|---|---|---|---|---|%n"
                    + "| %d | %d | %s | %s / %s / %s | %s / %s | %.3f ms | %.3f ms |%n", rate, options.get("generator-seconds"),
                drops.size(), answered.succeeded(), answered.failures(), lateness.at(50), lateness.at(99), lateness.max(), answered.at(50),
                answered.at(99),
                perDrop, cost.cpuNanos().get(Cpu.BENCH) / 1e6 / drops.size()));
        } finally {
            sink.stop(0);
            sinkThreads.shutdownNow();
        }
        return null;
    }

    /** A part of the run that failed is written as "not measured" with its reason; the others go on. */
    private interface Part<T> {
        T run() throws Exception;
    }

    private <T> T attempt(String name, Part<T> part) {
        try {
            return part.run();
        } catch (Exception | AssertionError e) {
            System.out.println("bench: " + name + " failed: " + e);
            e.printStackTrace(System.out);
            doc.merge("failures", "- " + name + ": not measured (" + e + ")\n", String::concat);
            return null;
        }
    }

    private record Endpoint(String grpcTarget, String modelName, String version, String text) {
    }

    private Endpoint trainAndServe(Path recipe) throws Exception {
        var model = TrainedModel.through(pipeline, recipe);
        var text = String.format(Locale.ROOT, "Recipe `%s` trained through the pipeline (trainingSeconds %s, test accuracy %s) and"
            + " served as model `%s` version %s, %.1f s after its drop.", root.relativize(recipe), model.trainingSeconds(),
            model.testAccuracy(), model.modelName(), model.version(), model.seconds());
        System.out.println("bench: " + text);
        doc.put("recipe", text);
        return new Endpoint(model.grpcTarget(), model.modelName(), model.version(), text);
    }

    // ---- phases -----------------------------------------------------------------------------------------------------

    /** One measured window: its drops, what became of them, CPU and predict's batch sizes over it. */
    private static final class Phase {
        String name;
        List<LoadGenerator.Drop> drops = List.of();
        long markNanos;
        long endNanos;
        Cpu.Snapshot cpuFrom;
        Cpu.Snapshot cpuTo;
        /** Whether the broker's counts are read at the window's ends (the fixed rates and saturation, which the broker table shows). */
        boolean readsBroker;
        CompletableFuture<BrokerWork.Snapshot> brokerFrom;
        CompletableFuture<BrokerWork.Snapshot> brokerTo;
        double[] batchFrom;
        double[] batchTo;
        long predictedInWindow;
        long expected;
        Latency endToEnd = new Latency();
        Map<String, Latency> hops = new LinkedHashMap<>();
        /** Closed loop only: failures over the whole run (warm-up included), drops offered per second over it. */
        String runFailures = "none";
        double offered = Double.NaN;

        Cpu.Window cpu() {
            return cpuFrom == null || cpuTo == null ? null : Cpu.between(cpuFrom, cpuTo);
        }

        double seconds() {
            return (endNanos - markNanos) / 1e9;
        }

        /** Prediction records timestamped in the window per second of it. */
        double throughput() {
            return predictedInWindow / seconds();
        }

        /** CPU of the six pipeline processes over the window per prediction in it (NaN when unknown). */
        double cpuPerPicture() {
            var window = cpu();
            return window == null || predictedInWindow == 0 ? Double.NaN : window.pipelineNanos() / 1e6 / predictedInWindow;
        }

        /** Mean tensors per Predict call over the window, or NaN when predict does not expose the batch-size metric. */
        double meanBatch() {
            if (batchFrom == null || batchTo == null || batchTo[0] <= batchFrom[0]) {
                return Double.NaN;
            }
            return (batchTo[1] - batchFrom[1]) / (batchTo[0] - batchFrom[0]);
        }
    }

    private LoadGenerator.Marks marks(Phase phase) {
        return new LoadGenerator.Marks(() -> {
            phase.markNanos = System.nanoTime();
            phase.cpuFrom = cpu.snapshot();
            phase.brokerFrom = phase.readsBroker ? brokerSnapshot() : null;
            phase.batchFrom = batchSizes();
        }, () -> {
            phase.endNanos = System.nanoTime();
            phase.cpuTo = cpu.snapshot();
            phase.brokerTo = phase.readsBroker ? brokerSnapshot() : null;
            phase.batchTo = batchSizes();
        });
    }

    private Void coldStart() throws Exception {
        int count = option("cold-pictures");
        int rate = option("cold-rate");
        var phase = new Phase();
        phase.name = "cold";
        cpu.startSampling();
        long start = System.nanoTime() + 50_000_000L;
        phase.drops = generator.openLoop(rate, Duration.ofNanos((long) (count * 1e9 / rate)), option("max-in-flight"),
            i -> pngs[i % pngs.length], start, start, marks(phase));
        awaitOutcomes(phase.drops);
        cpu.stopSampling();
        evaluate(phase);
        long[] due = new long[phase.drops.size()];
        long[] predicted = new long[due.length];
        for (int i = 0; i < due.length; i++) {
            var drop = phase.drops.get(i);
            var trace = drop.id == null ? null : records.trace(drop.id);
            due[i] = (drop.due + epochOffsetNanos) / 1_000_000L;
            predicted[i] = trace == null || trace.deadLetter != null ? 0 : trace.predicted;
        }
        var text = new StringBuilder(String.format(Locale.ROOT, "The first %d pictures after the model was served, at %d/s open loop"
            + " (28x28 PNGs); %d predicted, failures: %s. Blocks of pictures in the order they were due; a block's window runs from"
            + " the moment its first picture was due to the moment the next block's first was due, and its CPU is what all six"
            + " processes spent in that window, wherever in the pipeline (CPU sampled every 100 ms), divided by the block's pictures."
            + " \"Waiting\" counts the pictures due and not yet predicted at the window's start and end: more than the steady state"
            + " holds means the pipeline was still catching up a backlog, whose larger batches make a picture cheaper.%n%n"
            + "| pictures | CPU per picture, all processes | of it file-drop | image-convert | predict | serve-manager | kafka |"
            + " of all, the JIT compilers | waiting at start / end | due → prediction p50 / p99 |%n"
            + "|---|---|---|---|---|---|---|---|---|---|%n", count, rate,
            Arrays.stream(predicted).filter(t -> t != 0).count(), phase.endToEnd.failures()));
        var blocks = ColdBlocks.of(due, predicted, COLD_BLOCKS, rate);
        double lastCost = Double.NaN;
        var windows = new ArrayList<Cpu.Window>();
        for (var block : blocks) {
            var window = Cpu.between(cpu.sampledAt(block.fromMillis()), cpu.sampledAt(block.toMillis()));
            windows.add(window);
            int n = block.count();
            lastCost = window.pipelineNanos() / 1e6 / n;
            var latency = new Latency();
            for (int i = block.first(); i < block.first() + n; i++) {
                if (predicted[i] == 0) {
                    latency.fail("not predicted");
                } else {
                    latency.record((predicted[i] - due[i]) * 1_000_000L);
                }
            }
            text.append(String.format(Locale.ROOT, "| %d-%d | %.2f ms | %s | %s | %s | %s | %s | %.2f ms | %d / %d | %s / %s |%n",
                block.first() + 1, block.first() + n, lastCost, perPicture(window, "file-drop", n),
                perPicture(window, "image-convert", n), perPicture(window, "predict", n), perPicture(window, "serve-manager", n),
                perPicture(window, "kafka", n), window.pipelineJitNanos() / 1e6 / n, block.waitingAtStart(), block.waitingAtEnd(),
                latency.at(50), latency.at(99)));
        }
        if (blocks.size() == COLD_BLOCKS) {
            var last = blocks.get(COLD_BLOCKS - 1);
            var whole = Cpu.between(cpu.sampledAt(blocks.get(0).fromMillis()), cpu.sampledAt(last.toMillis()));
            int n = COLD_BLOCKS * last.count();
            text.append(String.format(Locale.ROOT, "| all %d | %.2f ms | %s | %s | %s | %s | %s | %.2f ms | | %s / %s |%n", n,
                whole.pipelineNanos() / 1e6 / n, perPicture(whole, "file-drop", n), perPicture(whole, "image-convert", n),
                perPicture(whole, "predict", n), perPicture(whole, "serve-manager", n), perPicture(whole, "kafka", n),
                whole.pipelineJitNanos() / 1e6 / n, phase.endToEnd.at(50), phase.endToEnd.at(99)));
            coldLastBlock = lastCost;
            coldLastWaiting = last.waiting();
        } else {
            coldLastBlock = Double.NaN;
        }
        text.append(coldCompilers(blocks, windows));
        coldRate = rate;
        doc.put("cold", text.toString());
        records.forget(ids(phase.drops));
        return null;
    }

    /**
     * The cold start's JIT compiler CPU per picture, by process and block (each block's CPU window, as its row above used it):
     * which JVM was still compiling when. The processes are the ones the bench samples.
     */
    static String coldCompilers(List<ColdBlocks.Block> blocks, List<Cpu.Window> windows) {
        if (windows.isEmpty()) {
            return "";
        }
        var processes = List.copyOf(windows.get(0).jitNanos().keySet());
        var text = new StringBuilder(String.format(Locale.ROOT, "%nOf it, each process's JIT compiler threads (C1 and C2, from"
            + " /proc/PID/task), per picture of the block:%n%n| pictures | %s |%n|---|%s%n", String.join(" | ", processes),
            "---|".repeat(processes.size())));
        for (int i = 0; i < blocks.size(); i++) {
            var block = blocks.get(i);
            text.append(String.format(Locale.ROOT, "| %d-%d |", block.first() + 1, block.first() + block.count()));
            for (String process : processes) {
                text.append(String.format(Locale.ROOT, " %.3f ms |", windows.get(i).jitNanos().getOrDefault(process, 0L) / 1e6
                    / block.count()));
            }
            text.append(System.lineSeparator());
        }
        return text.toString();
    }

    private double coldLastBlock = Double.NaN;
    /** The most pictures waiting at either end of the cold start's last block. */
    private int coldLastWaiting;
    private int coldRate;

    private Void fixedRate(double rate) throws Exception {
        var phase = openLoopPhase(String.format(Locale.ROOT, "%.0f/s", rate), rate, Duration.ofSeconds(option("warmup-seconds")),
            Duration.ofSeconds(option("seconds")), true, window -> { });
        fixedRates.put(rate, phase);
        return null;
    }

    /**
     * Open loop at a rate: {@code warmup} at the rate, then {@code measured}; the drops due in the measured window evaluated (latency
     * from the due time, hops, CPU, predict's batches). The drops are forgotten by the record reader afterwards.
     */
    private Phase openLoopPhase(String name, double rate, Duration warmup, Duration measured) throws Exception {
        return openLoopPhase(name, rate, warmup, measured, false, phase -> { });
    }

    /**
     * {@link #openLoopPhase(String, double, Duration, Duration)}, {@code outcomes} reading the window's records before they go;
     * {@code readBroker}: the broker's request counts read at both ends of the window, for the broker table.
     */
    private Phase openLoopPhase(String name, double rate, Duration warmup, Duration measured, boolean readBroker,
            java.util.function.Consumer<Phase> outcomes) throws Exception {
        var phase = new Phase();
        phase.name = name;
        phase.readsBroker = readBroker;
        long start = System.nanoTime() + 50_000_000L;
        System.out.printf(Locale.ROOT, "bench: %s open loop, %d s warm-up then %d s measured%n", phase.name, warmup.toSeconds(),
            measured.toSeconds());
        var all = generator.openLoop(rate, warmup.plus(measured), option("max-in-flight"), i -> pngs[i % pngs.length], start,
            start + warmup.toNanos(), marks(phase));
        long markAt = start + warmup.toNanos();
        long endAt = markAt + measured.toNanos();
        var window = all.stream().filter(d -> d.due >= markAt && d.due < endAt).toList();
        phase.drops = window;
        awaitOutcomes(window);
        evaluate(phase);
        long fromMillis = phase.cpuFrom.epochMillis();
        long toMillis = phase.cpuTo.epochMillis();
        phase.predictedInWindow = all.stream().map(d -> d.id == null ? null : records.trace(d.id))
            .filter(t -> t != null && t.predicted >= fromMillis && t.predicted < toMillis).count();
        phase.expected = window.size();
        System.out.printf(Locale.ROOT, "bench: %s p50 %s, p99 %s, failures %s%n", phase.name, phase.endToEnd.at(50), phase.endToEnd.at(99),
            phase.endToEnd.failures());
        outcomes.accept(phase);
        records.forget(ids(all));
        return phase;
    }

    private Phase saturation() throws Exception {
        var warmup = Duration.ofSeconds(option("warmup-seconds"));
        var measured = Duration.ofSeconds(option("seconds"));
        int inFlight = option("saturation-in-flight");
        var phase = closedLoopPhase("saturation", inFlight, warmup, measured, true);
        double throughput = phase.throughput();
        double perPicture = phase.cpuPerPicture();
        var text = String.format(Locale.ROOT, "Closed loop over the whole pipeline: %d pictures kept in flight from HTTP drop to"
                + " prediction record (a new drop as soon as one gets its outcome), %d s warm-up, then %d s measured. Throughput ="
                + " prediction records timestamped in the measured window / its length. Failures over the whole run: %s.%n%n"
                + "| sustained pictures/s | CPU per picture, all six processes | drop to prediction p50 / p99 (sent, not due: closed loop)"
                + " | mean predict batch | drops offered/s (whole run) |%n|---|---|---|---|---|%n"
                + "| **%.0f** | %.2f ms | %s / %s | %s | %.0f |%n",
            inFlight, warmup.toSeconds(), measured.toSeconds(), phase.runFailures, throughput, perPicture,
            phase.hops.get("sent → prediction").at(50),
            phase.hops.get("sent → prediction").at(99), batch(phase.meanBatch()), phase.offered);
        doc.put("saturation", text);
        saturationThroughput = throughput;
        saturationCpuPerPicture = perPicture;
        targets.put("cpu", new Target("CPU per picture at saturation, all processes, model included", "≤ 1.5 ms",
            String.format(Locale.ROOT, "%.2f ms", perPicture) + jitNote(phase), perPicture <= 1.5));
        targets.put("throughput", new Target("Sustained throughput, HTTP drop to prediction", "≥ 1000 pictures/s",
            String.format(Locale.ROOT, "%.0f pictures/s", throughput), throughput >= 1000));
        return phase;
    }

    /**
     * Closed loop: {@code inFlight} pictures kept in the pipeline for {@code warmup} plus {@code measured}; the drops sent in the
     * measured window evaluated, the predictions timestamped in it counted. The drops are forgotten by the record reader afterwards.
     */
    private Phase closedLoopPhase(String name, int inFlight, Duration warmup, Duration measured, boolean readBroker) throws Exception {
        var phase = new Phase();
        phase.name = name;
        phase.readsBroker = readBroker;
        System.out.printf(Locale.ROOT, "bench: %s, %d pictures in the pipeline, %d s warm-up then %d s measured%n", name, inFlight,
            warmup.toSeconds(), measured.toSeconds());
        var all = generator.closedLoop(inFlight, warmup.plus(measured), i -> pngs[i % pngs.length], records, DRAIN,
            System.nanoTime() + warmup.toNanos(), marks(phase));
        phase.drops = all.stream().filter(d -> d.sent >= phase.markNanos && d.sent < phase.endNanos).toList();
        evaluate(phase);
        long fromMillis = phase.cpuFrom.epochMillis();
        long toMillis = phase.cpuTo.epochMillis();
        phase.predictedInWindow = all.stream().map(d -> d.id == null ? null : records.trace(d.id))
            .filter(t -> t != null && t.predicted >= fromMillis && t.predicted < toMillis).count();
        phase.runFailures = failuresOf(all);
        phase.offered = all.size() / ((phase.endNanos - all.get(0).sent) / 1e9);
        System.out.printf(Locale.ROOT, "bench: %s %.0f pictures/s, %.2f ms CPU per picture%n", name, phase.throughput(),
            phase.cpuPerPicture());
        records.forget(ids(all));
        return phase;
    }

    private BrokerWork broker;
    private final ExecutorService brokerReader = Executors.newSingleThreadExecutor(r -> {
        var thread = new Thread(r, "bench-broker-reader");
        thread.setDaemon(true);
        return thread;
    });

    private double saturationThroughput = Double.NaN;
    private double saturationCpuPerPicture = Double.NaN;
    private double modelServerCpuPerPicture = Double.NaN;
    private String modelServerSource = "";

    private static String failuresOf(List<LoadGenerator.Drop> drops) {
        var latency = new Latency();
        drops.stream().filter(d -> d.failure != null).forEach(d -> latency.fail(d.failure));
        return latency.failures();
    }

    /** Waits until every accepted drop has its outcome on the topics, at most {@link #DRAIN} after the last answer. */
    private void awaitOutcomes(List<LoadGenerator.Drop> drops) throws InterruptedException {
        long deadline = System.nanoTime() + DRAIN.toNanos();
        for (var drop : drops) {
            while (drop.id != null && System.nanoTime() < deadline) {
                records.requireRunning();
                var trace = records.trace(drop.id);
                if (trace != null && trace.done()) {
                    break;
                }
                Thread.sleep(20);
            }
        }
    }

    /** Latency from the due time (coordinated omission included), the hops from record timestamps, failures by reason. */
    private void evaluate(Phase phase) {
        String[] hopNames = {"due → sent (generator lateness)", "sent → HTTP 202", "sent → droppedFile record",
            "droppedFile → tensor record",
            "tensor → prediction record", "sent → prediction"};
        for (var name : hopNames) {
            phase.hops.put(name, new Latency());
        }
        for (var drop : phase.drops) {
            if (drop.failure != null && drop.id == null) {
                phase.endToEnd.fail(drop.failure);
                continue;
            }
            var trace = records.trace(drop.id);
            if (trace == null || !trace.done()) {
                phase.endToEnd.fail(drop.failure != null ? drop.failure : "no outcome within " + DRAIN.toSeconds() + " s");
                continue;
            }
            if (trace.deadLetter != null) {
                phase.endToEnd.fail("dead letter on " + trace.deadLetter);
                continue;
            }
            long sentEpoch = drop.sent + epochOffsetNanos;
            phase.endToEnd.record(trace.predicted * 1_000_000L - (drop.due + epochOffsetNanos));
            phase.hops.get("due → sent (generator lateness)").record(drop.sent - drop.due);
            phase.hops.get("sent → HTTP 202").record(drop.answered - drop.sent);
            if (trace.dropped != 0) {
                phase.hops.get("sent → droppedFile record").record(trace.dropped * 1_000_000L - sentEpoch);
            }
            if (trace.dropped != 0 && trace.tensor != 0) {
                phase.hops.get("droppedFile → tensor record").record((trace.tensor - trace.dropped) * 1_000_000L);
            }
            if (trace.tensor != 0) {
                phase.hops.get("tensor → prediction record").record((trace.predicted - trace.tensor) * 1_000_000L);
            }
            phase.hops.get("sent → prediction").record(trace.predicted * 1_000_000L - sentEpoch);
        }
        if (phase.cpuFrom != null && phase.cpuTo != null) {
            long from = phase.cpuFrom.epochMillis();
            long to = phase.cpuTo.epochMillis();
            phase.predictedInWindow = phase.drops.stream().map(d -> d.id == null ? null : records.trace(d.id))
                .filter(t -> t != null && t.predicted >= from && t.predicted < to).count();
        }
    }

    private String ratesTable() {
        if (fixedRates.isEmpty()) {
            return "not measured\n";
        }
        var text = new StringBuilder(String.format(Locale.ROOT, "Open loop: the i-th drop is due at start + i / rate, whatever the"
            + " answers (at most %s requests in flight); %s s at the rate as warm-up, then %s s measured. Latency runs from the"
            + " moment a drop was **due** to the timestamp of its prediction record (ms resolution; same machine clock), so a drop"
            + " that waited in the generator is counted with its wait. Every drop due in the window counts: one without a"
            + " prediction (HTTP failure, timeout, dead letter, nothing within %d s) is a failure, and a percentile that falls among"
            + " failures reads \"failed\". HdrHistogram, 3 significant digits.%n%n"
            + "| rate | drops due in the window | predicted | failures | p50 | p90 | p99 | p99.9 | max | mean predict batch |%n"
            + "|---|---|---|---|---|---|---|---|---|---|%n", options.get("max-in-flight"), options.get("warmup-seconds"),
            options.get("seconds"), DRAIN.toSeconds()));
        fixedRates.forEach((rate, p) -> text.append(String.format(Locale.ROOT, "| %.0f/s | %d | %d | %s | %s | %s | %s | %s | %s | %s |%n",
            rate, p.drops.size(), p.endToEnd.succeeded(), p.endToEnd.failures(), p.endToEnd.at(50), p.endToEnd.at(90), p.endToEnd.at(99),
            p.endToEnd.at(99.9), p.endToEnd.max(), batch(p.meanBatch()))));
        var hundred = fixedRates.get(100.0);
        if (hundred != null) {
            var p50 = hundred.endToEnd.millis(50);
            var p99 = hundred.endToEnd.millis(99);
            boolean met = p50.isPresent() && p99.isPresent() && p50.getAsDouble() <= 15 && p99.getAsDouble() <= 50
                && hundred.seconds() >= MEASURE_MINIMUM_SECONDS - 1;
            targets.put("latency", new Target("Latency at 100 pictures/s after warm-up", "p50 ≤ 15 ms, p99 ≤ 50 ms",
                "p50 " + hundred.endToEnd.at(50) + ", p99 " + hundred.endToEnd.at(99) + jitNote(hundred), met));
        }
        text.append("\n### Per hop, from record timestamps\n\nFor the drops of the window that got a prediction. \"sent\" is when the"
            + " generator sent the request (bench clock); the other ends are record timestamps (CreateTime, ms resolution, so a hop"
            + " under 1 ms can read 0).\n\n");
        fixedRates.forEach((rate, p) -> {
            text.append(String.format(Locale.ROOT, "At %.0f/s (%d predicted):%n%n| hop | p50 | p99 | max |%n|---|---|---|---|%n", rate,
                p.endToEnd.succeeded()));
            p.hops.forEach((name, l) -> text.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", name, l.at(50), l.at(99),
                l.max())));
            text.append(String.format(Locale.ROOT, "| due → prediction record (end to end) | %s | %s | %s |%n%n", p.endToEnd.at(50),
                p.endToEnd.at(99), p.endToEnd.max()));
        });
        return text.toString();
    }

    // ---- CPU ----------------------------------------------------------------------------------------------------------

    private static String perPicture(Cpu.Window window, String process, long pictures) {
        if (window == null || pictures <= 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.3f ms", window.cpuNanos().getOrDefault(process, 0L) / 1e6 / pictures);
    }

    /** " (N % of the window's pipeline CPU was the JVMs' JIT compilers)", or nothing when the window's CPU is unknown. */
    private static String jitNote(Phase phase) {
        var window = phase.cpu();
        if (window == null || window.pipelineNanos() == 0) {
            return "";
        }
        return String.format(Locale.ROOT, " (%.0f %% of the window's pipeline CPU was the JVMs' JIT compilers)",
            window.pipelineJitPercent());
    }

    /** The fixed rates' phases, then saturation's when it was measured: the columns of the CPU and broker tables. */
    private List<Phase> measuredPhases(Phase saturation) {
        var phases = new ArrayList<Phase>(fixedRates.values());
        if (saturation != null) {
            phases.add(saturation);
        }
        return phases;
    }

    private String cpuTable(Phase saturation) {
        var phases = measuredPhases(saturation);
        if (phases.isEmpty()) {
            return "not measured\n";
        }
        var text = new StringBuilder("utime + stime from /proc/PID/stat over each measured window, divided by the prediction records"
            + " timestamped in the window. serve-manager embeds the model server (libs/model-server), so its row includes inference:"
            + " /proc cannot separate the two; the model server's own CPU is measured apart under \"Direct gRPC\". The bench JVM"
            + " (load generator, record reader) runs on the same two cores and is shown apart, never in \"all six\". \"Of it, the"
            + " JIT compilers\" is the part of \"all six\" spent by the JVMs' C1 and C2 compiler threads (/proc/PID/task): code still"
            + " being compiled in the window, which a warmer JVM would not spend.\n\n| process |");
        phases.forEach(p -> text.append(' ').append(p.name).append(" |"));
        text.append('\n').append("|---|").append("---|".repeat(phases.size())).append('\n');
        var names = new ArrayList<String>(pipeline.pids().keySet());
        for (var name : names) {
            text.append("| ").append(name).append(" |");
            phases.forEach(p -> text.append(' ').append(perPicture(p.cpu(), name, p.predictedInWindow)).append(" |"));
            text.append('\n');
        }
        text.append("| **all six** |");
        phases.forEach(p -> text.append(String.format(Locale.ROOT, " **%s** |", p.cpu() == null || p.predictedInWindow == 0 ? "-"
            : String.format(Locale.ROOT, "%.3f ms", p.cpu().pipelineNanos() / 1e6 / p.predictedInWindow))));
        text.append("\n| of it, the JIT compilers (C1 and C2 threads of the six JVMs) |");
        phases.forEach(p -> text.append(String.format(Locale.ROOT, " %s |", p.cpu() == null || p.predictedInWindow == 0
            || p.cpu().pipelineNanos() == 0 ? "-" : String.format(Locale.ROOT, "%.3f ms (%.0f %%)", p.cpu().pipelineJitNanos() / 1e6
            / p.predictedInWindow, p.cpu().pipelineJitPercent()))));
        text.append("\n| load generator's threads (bench JVM) |");
        phases.forEach(p -> text.append(String.format(Locale.ROOT, " %s |", p.cpu() == null || p.drops.isEmpty() ? "-"
            : String.format(Locale.ROOT, "%.3f ms per drop", p.cpu().generatorNanos() / 1e6 / p.drops.size()))));
        text.append("\n| bench JVM, all its threads (generator included) |");
        phases.forEach(p -> text.append(' ').append(perPicture(p.cpu(), Cpu.BENCH, p.predictedInWindow)).append(" |"));
        text.append("\n| pictures predicted in the window |");
        phases.forEach(p -> text.append(' ').append(p.predictedInWindow).append(" |"));
        text.append("\n| window |");
        phases.forEach(p -> text.append(String.format(Locale.ROOT, " %.1f s |", p.seconds())));
        text.append('\n');
        var generator = phases.stream().filter(p -> p.cpu() != null && !p.drops.isEmpty())
            .mapToDouble(p -> p.cpu().generatorNanos() / 1e6 / p.drops.size()).max();
        if (generator.isPresent() && generator.getAsDouble() > 0) {
            text.append(String.format(Locale.ROOT, "%nThe load generator's own CPU, at most %.3f ms per drop above, would let it offer"
                + " about %.0f drops/s on one core.%n", generator.getAsDouble(), 1000 / generator.getAsDouble()));
        }
        return text.toString();
    }

    /**
     * Connects to the broker once before anything is measured: the attach API starts its JVM's management agent, work of the
     * broker's that would otherwise fall into the first window read. A failure here is reported by the windows' own reads.
     */
    private void primeBrokerReader() {
        try {
            brokerSnapshot().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.out.println("bench: the broker's request metrics cannot be read yet: " + e);
        }
    }

    /** The broker's counts, read off the generator's scheduling thread (JMX takes milliseconds); null when there is no broker reader. */
    private CompletableFuture<BrokerWork.Snapshot> brokerSnapshot() {
        var reader = broker;
        if (reader == null) {
            return null;
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return reader.snapshot();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, brokerReader);
    }

    /** The broker's requests by API and its CPU by thread group, per picture predicted, in the fixed-rate and saturation windows. */
    private String brokerTable(Phase saturation) {
        var phases = measuredPhases(saturation);
        var columns = new ArrayList<String>();
        var windows = new ArrayList<BrokerWork.Window>();
        var pictures = new ArrayList<Long>();
        var failures = new ArrayList<String>();
        for (var phase : phases) {
            try {
                if (phase.brokerFrom == null || phase.brokerTo == null) {
                    failures.add(phase.name + ": no reading");
                    continue;
                }
                windows.add(BrokerWork.between(phase.brokerFrom.get(30, TimeUnit.SECONDS), phase.brokerTo.get(30, TimeUnit.SECONDS)));
                columns.add(phase.name);
                pictures.add(phase.predictedInWindow);
            } catch (Exception e) {
                failures.add(phase.name + ": " + (e.getCause() != null ? e.getCause() : e));
            }
        }
        var text = new StringBuilder("The same windows as the table above, divided by the same pictures. Requests: what the broker"
            + " handled, by API, from its own request metrics (`kafka.network:type=RequestMetrics,name=RequestsPerSec`, the"
            + " cumulative `Count` over the API's versions, read over JMX through the JDK's attach API at both ends of the window; a"
            + " fetch is counted once, FetchConsumer and FetchFollower left out; kafka-local's controller shares the registry, with"
            + " no request on a picture's path). \"(transaction)\" marks the transaction protocol: image-convert and predict publish"
            + " each batch and its consumed offsets in one transaction, so each batch costs the broker those requests besides the"
            + " produce and the fetches of its values (docs/configuration.md, \"Exactly once\"); the broker sends the verification"
            + " (AddPartitionsToTxn) and the markers (WriteTxnMarkers) to itself. CPU: the broker's threads by name"
            + " (/proc/PID/task), the same utime + stime as its row above.\n\n");
        if (windows.isEmpty()) {
            return text.append("not measured: ").append(String.join("; ", failures)).append('\n').toString();
        }
        text.append(BrokerWork.table(columns, windows, pictures));
        if (!failures.isEmpty()) {
            text.append("\nNot read: ").append(String.join("; ", failures)).append('\n');
        }
        return text.toString();
    }

    // ---- direct gRPC ----------------------------------------------------------------------------------------------------

    private Void directGrpc(Endpoint endpoint, Phase saturation) throws Exception {
        double mean = saturation == null ? Double.NaN : saturation.meanBatch();
        if (Double.isNaN(mean)) {
            doc.put("grpc", "not measured: predict's /q/metrics has no `tffashion_predict_batch_size_count` / `_sum` over the"
                + " saturation window, so the batch size predict used is unknown (it is not guessed).\n");
            return null;
        }
        int batch = (int) Math.max(1, Math.round(mean));
        var request = request(endpoint, batch);
        var channel = NettyChannelBuilder.forTarget(endpoint.grpcTarget()).usePlaintext().build();
        try {
            var stub = PredictionServiceGrpc.newBlockingStub(channel);
            long warm = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < warm) {
                stub.withDeadlineAfter(10, TimeUnit.SECONDS).predict(request);
            }
            var latency = new Latency();
            var from = cpu.snapshot();
            long end = System.nanoTime() + Duration.ofSeconds(option("grpc-seconds")).toNanos();
            long calls = 0;
            while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                try {
                    stub.withDeadlineAfter(10, TimeUnit.SECONDS).predict(request);
                    latency.record(System.nanoTime() - t0);
                } catch (RuntimeException e) {
                    latency.fail(e.getClass().getSimpleName());
                }
                calls++;
            }
            var window = Cpu.between(from, cpu.snapshot());
            long pictures = latency.succeeded() * batch;
            double perSecond = pictures / (window.wallNanos() / 1e9);
            double serverPerPicture = window.cpuNanos().get("serve-manager") / 1e6 / Math.max(1, pictures);
            modelServerCpuPerPicture = serverPerPicture;
            modelServerSource = String.format(Locale.ROOT, "serve-manager's CPU per picture under direct gRPC at %d pictures per call",
                batch);
            doc.put("grpc", String.format(Locale.ROOT, "Predict over gRPC from the bench JVM to the same model server (%s, model %s"
                    + " version %s), one client, one call at a time (as predict's one consumer), %d pictures per call = the mean batch"
                    + " predict used in the saturation window (%.2f, from `tffashion_predict_batch_size_sum / _count`); tensors as"
                    + " `tensor_content` (float32 little-endian); 5 s warm-up, then %s s.%n%n| pictures per call | calls | failures |"
                    + " pictures/s | per call p50 / p99 | serve-manager CPU per picture (model server + idle serve-manager) |"
                    + " bench JVM CPU per picture |%n|---|---|---|---|---|---|---|%n| %d | %d | %s | %.0f | %s / %s | %.3f ms | %.3f ms |%n"
                    + "%nPipeline throughput at saturation is %.2f of this.%n", endpoint.grpcTarget(), endpoint.modelName(),
                endpoint.version(),
                batch, mean, options.get("grpc-seconds"), batch, calls, latency.failures(), perSecond, latency.at(50), latency.at(99),
                serverPerPicture, window.cpuNanos().get(Cpu.BENCH) / 1e6 / Math.max(1, pictures), saturationThroughput / perSecond));
            return null;
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private PredictRequest request(Endpoint endpoint, int batch) {
        var bytes = ByteBuffer.allocate(batch * FashionMnist.PIXELS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < batch; b++) {
            for (float v : images.pixels(b % images.count())) {
                bytes.putFloat(v);
            }
        }
        var shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(batch))
            .addDim(TensorShapeProto.Dim.newBuilder().setSize(FashionMnist.IMAGE_SIZE))
            .addDim(TensorShapeProto.Dim.newBuilder().setSize(FashionMnist.IMAGE_SIZE));
        var tensor = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape)
            .setTensorContent(ByteString.copyFrom(bytes.array())).build();
        return PredictRequest.newBuilder().setModelSpec(ModelSpec.newBuilder().setName(endpoint.modelName())
            .setSignatureName("serving_default")).putInputs("images", tensor).addOutputFilter("probabilities").build();
    }

    // ---- targets ----------------------------------------------------------------------------------------------------------

    private record Target(String what, String goal, String measured, boolean met) {
    }

    private void coldTarget() {
        String what = "A cold pipeline reaches steady cost within its first " + option("cold-pictures") + " pictures";
        String goal = "CPU per picture of its last " + option("cold-pictures") / COLD_BLOCKS + " ≤ " + STEADY_TOLERANCE
            + "× steady state at the same rate, with no more pictures waiting at either end of their window than the steady"
            + " state's p99 holds (rate × p99)";
        var steady = fixedRates.get((double) coldRate);
        if (Double.isNaN(coldLastBlock) || steady == null || steady.cpu() == null || steady.predictedInWindow == 0) {
            targets.put("cold", new Target(what, goal, "not measured (needs the cold run and the same rate's window)", false));
            return;
        }
        if (steady.predictedInWindow < 0.9 * steady.expected) {
            targets.put("cold", new Target(what, goal, String.format(Locale.ROOT, "no steady state to compare with: at %d/s"
                + " only %d of %d pictures were predicted within the window", coldRate, steady.predictedInWindow, steady.expected),
                false));
            return;
        }
        double steadyCost = steady.cpu().pipelineNanos() / 1e6 / steady.predictedInWindow;
        var steadyP99 = steady.endToEnd.millis(99);
        if (steadyP99.isEmpty()) {
            targets.put("cold", new Target(what, goal, String.format(Locale.ROOT, "no steady state to compare with: the p99 at %d/s"
                + " failed", coldRate), false));
            return;
        }
        long waitingBound = Math.max(1, Math.round(coldRate * steadyP99.getAsDouble() / 1000));
        boolean cheap = coldLastBlock <= STEADY_TOLERANCE * steadyCost;
        boolean caughtUp = coldLastWaiting <= waitingBound;
        targets.put("cold", new Target(what, goal, String.format(Locale.ROOT, "%.2f ms vs %.2f ms at %d/s (%.2f×); waiting at most %d"
            + " pictures (bound %d)%s", coldLastBlock, steadyCost, coldRate, coldLastBlock / steadyCost, coldLastWaiting, waitingBound,
            caughtUp ? "" : ": still catching up a backlog, so its CPU per picture is not the steady state's"), cheap && caughtUp));
    }

    private void overheadTarget(Phase saturation) {
        if (Double.isNaN(modelServerCpuPerPicture) && saturation != null && saturation.cpu() != null && saturation.predictedInWindow > 0) {
            modelServerCpuPerPicture = saturation.cpu().cpuNanos().get("serve-manager") / 1e6 / saturation.predictedInWindow;
            modelServerSource = "serve-manager's whole process at saturation (direct gRPC not measured; it embeds the model server and"
                + " includes its own idle work, so this ratio is a lower bound)";
        }
        if (Double.isNaN(saturationCpuPerPicture) || Double.isNaN(modelServerCpuPerPicture) || modelServerCpuPerPicture <= 0) {
            targets.put("overhead", new Target("Overhead: pipeline CPU per picture over the model server's", "≤ 7×", "not measured",
                false));
            return;
        }
        double ratio = saturationCpuPerPicture / modelServerCpuPerPicture;
        targets.put("overhead", new Target("Overhead: pipeline CPU per picture (all six, at saturation) over the model server's own",
            "≤ 7×", String.format(Locale.ROOT, "%.1f× (%.2f ms / %.3f ms; model server = %s)", ratio, saturationCpuPerPicture,
            modelServerCpuPerPicture, modelServerSource), ratio <= 7));
    }

    // ---- agreement --------------------------------------------------------------------------------------------------------

    private Void agreement(SavedModelBundle bundle) throws Exception {
        var preprocessor = new Preprocessor();
        var text = new StringBuilder("Each form of the Fashion-MNIST test images is dropped over HTTP (closed loop, 64 in flight); the"
            + " pipeline's label is compared with in-process inference of the served SavedModel on the tensor that image-convert's"
            + " preprocessing library (`Preprocessor`, default options, as the service runs it) makes from the same file.\n\n"
            + "| form | pictures | predicted | failures | refused by the preprocessor in process | agree with in-process |"
            + " disagreements | pipeline accuracy (true labels) | in-process accuracy |\n|---|---|---|---|---|---|---|---|---|\n");
        var examples = new StringBuilder();
        for (var form : ImageForms.values()) {
            int count = Math.min(images.count(), option(form == ImageForms.PNG_28_GRAY ? "agreement-images" : "preprocessed-images"));
            var files = new byte[count][];
            for (int i = 0; i < count; i++) {
                files[i] = form.encode(images, i);
            }
            System.out.printf(Locale.ROOT, "bench: agreement, %d pictures as %s%n", count, form.description());
            var drops = generator.closedLoop(64, Duration.ofMinutes(30), i -> i < count ? files[i] : null, records, DRAIN,
                Long.MAX_VALUE, new LoadGenerator.Marks(() -> { }, () -> { }));
            var byIndex = new int[count];
            Arrays.fill(byIndex, -2);
            var failures = new Latency();
            for (var drop : drops) {
                var trace = drop.id == null ? null : records.trace(drop.id);
                if (drop.failure != null) {
                    failures.fail(drop.failure);
                } else if (trace == null || !trace.done()) {
                    failures.fail("no outcome within " + DRAIN.toSeconds() + " s");
                } else if (trace.deadLetter != null) {
                    failures.fail("dead letter on " + trace.deadLetter);
                } else {
                    byIndex[drop.index] = trace.label;
                }
            }
            int predicted = 0;
            int agree = 0;
            int refused = 0;
            int pipelineRight = 0;
            int inProcessRight = 0;
            var shown = new ArrayList<String>();
            var expected = InProcessModel.labels(bundle, preprocessor, files);
            for (int i = 0; i < count; i++) {
                if (expected[i] == -1) {
                    refused++;
                }
                if (byIndex[i] < -1) {
                    continue;
                }
                predicted++;
                pipelineRight += byIndex[i] == images.label(i) ? 1 : 0;
                inProcessRight += expected[i] == images.label(i) ? 1 : 0;
                if (byIndex[i] == expected[i]) {
                    agree++;
                } else if (shown.size() < 5) {
                    shown.add("test image " + i + ": pipeline " + byIndex[i] + ", in-process " + expected[i]);
                }
            }
            text.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %d | %d | **%d** | %.2f %% | %.2f %% |%n",
                form.description(), count,
                predicted, failures.failures(), refused, agree, predicted - agree, 100.0 * pipelineRight / Math.max(1, predicted),
                100.0 * inProcessRight / Math.max(1, predicted)));
            if (!shown.isEmpty()) {
                examples.append("- ").append(form.description()).append(": ").append(String.join("; ", shown)).append('\n');
            }
            records.forget(ids(drops));
        }
        if (examples.length() > 0) {
            text.append("\nFirst disagreements:\n\n").append(examples);
        }
        doc.put("agreement", text.toString());
        return null;
    }

    // ---- cost comparisons (CostSections) ----------------------------------------------------------------------------------

    /**
     * The cost comparisons, after the memory reading: tracing on and off (the services restarted over the same broker and data),
     * then a challenger in shadow in the run's own configuration (the services restarted so when they run otherwise).
     *
     * @param base        the services' options without tracing
     * @param own         the options the run started them with
     * @param ownIsOff    whether {@code own} has tracing off
     */
    private void costs(Path recipe, Endpoint endpoint, Map<String, List<String>> base, Map<String, List<String>> own, boolean tracingCost,
            boolean shadowCost, boolean ownIsOff) {
        var running = new Object() {
            Map<String, List<String>> options = own;
        };
        var lab = new CostSections.Lab() {
            @Override
            public CostSections.Figures measure(String label) throws Exception {
                return costFigures(label);
            }

            @Override
            public void restart(Map<String, List<String>> jvmOptions) throws Exception {
                pipeline.restartServices(jvmOptions);
                running.options = jvmOptions;
                ScaleBench.prime(pipeline, records, pngs);
            }

            @Override
            public PipelineProcesses pipeline() {
                return pipeline;
            }

            @Override
            public String modelName() {
                return endpoint.modelName();
            }

            @Override
            public Path recipe() {
                return recipe;
            }

            @Override
            public byte[] picture(int i) {
                return pngs[i % pngs.length];
            }

            @Override
            public String method() {
                return String.format(Locale.ROOT, "Each row: open loop at %s pictures/s, %s s warm-up then %s s measured (as \"Latency"
                    + " at fixed rates\": from the moment each drop was due to its prediction record, failures counted), then closed loop"
                    + " with %s pictures in flight, %s s warm-up then %s s measured (as \"Sustained throughput\": CPU per picture ="
                    + " utime + stime of each process over the window / the predictions timestamped in it). The fixed rate comes first so"
                    + " that restarted services compile their hot code with CPU to spare, as at the run's start. Before each row the bench"
                    + " waits until the machine is quiet (%s), and the cost rows run"
                    + " before the sections that start pipelines of their own (batching, scale, index at scale).",
                    options.get("cost-rate"), options.get("cost-warmup-seconds"), options.get("cost-seconds"),
                    options.get("saturation-in-flight"), options.get("cost-warmup-seconds"), options.get("cost-seconds"),
                    CostSections.quietRule());
            }
        };
        if (tracingCost) {
            // off: the run's own options when it runs untraced (the services' default), so the shadow section needs no restart
            var off = ownIsOff ? own : withEveryService(base, "-Dquarkus.otel.sdk.disabled=true");
            var on = withEveryService(base, "-Dquarkus.otel.sdk.disabled=false", "-Dquarkus.otel.exporter.otlp.traces.endpoint="
                + pipeline.fileDrop());
            var result = attempt("tracing cost", () -> CostSections.tracing(lab, on, off));
            if (result != null) {
                doc.put("tracing-cost", result.markdown());
                targets.put("tracing", new Target("Tracing cost: CPU per picture at saturation, all six processes, tracing on (file-drop's"
                    + " receiver) over off (issue 18)", "≤ +" + CostSections.TRACING_TARGET_PERCENT + " %", result.targetMeasured(),
                    result.targetMet()));
            } else {
                targets.put("tracing", new Target("Tracing cost: CPU per picture, tracing on over off (issue 18)", "≤ +"
                    + CostSections.TRACING_TARGET_PERCENT + " %", "not measured", false));
            }
        }
        if (shadowCost) {
            // The baseline is measured again on the same processes right before the drop, not taken from "Tracing cost": a row
            // measured right after a restart pays the JIT's warm-up, and the challenger's row, later on warmer processes, did not
            var result = attempt("shadow cost", () -> {
                if (running.options != own) {
                    System.out.println("bench: shadow cost, restarting the services as the run started them");
                    lab.restart(own);
                }
                return CostSections.shadow(lab, null, null);
            });
            if (result != null) {
                doc.put("shadow-cost", result.markdown());
                var rollback = attempt("promote and roll back", () -> rollback(endpoint.modelName()));
                if (rollback != null) {
                    doc.put("rollback", rollback);
                }
            }
        }
    }

    // ---- promote and roll back under a stream (issue 16) -------------------------------------------------------------------

    /**
     * With the shadow section's challenger on trial: a stream at --cost-rate, and in its window {@code POST .../promote}, then
     * {@code POST .../rollback?version=<the version live before>}; how long each took until {@code GET /v1/rollout} named the
     * version live and until the first prediction by it, and whether any drop of the stream failed.
     */
    private String rollback(String model) throws Exception {
        var before = Jsons.read(pipeline.get(pipeline.fileDrop().resolve("/v1/rollout/" + model)).body());
        long live = before.path("liveVersion").asLong(-1);
        long challenger = before.path("challengerVersion").asLong(-1);
        if (live < 1 || challenger < 1) {
            throw new IllegalStateException("no challenger on trial beside a live version to promote and roll back: " + before);
        }
        double rate = option("cost-rate");
        var warmup = Duration.ofSeconds(10);
        var measured = Duration.ofSeconds(50);
        var pool = Executors.newSingleThreadExecutor();
        try {
            var versions = new ConcurrentHashMap<String, PipelineRecords.Trace>();
            var stream = pool.submit(() -> openLoopPhase(String.format(Locale.ROOT, "rollback, %.0f/s", rate), rate, warmup, measured,
                false, window -> window.drops.forEach(drop -> {
                    var trace = drop.id == null ? null : records.trace(drop.id);
                    if (trace != null) {
                        versions.put(drop.id, trace);
                    }
                })));
            Thread.sleep(warmup.toMillis() + 5_000);
            var promote = switchTo(model, "promote", challenger);
            Thread.sleep(15_000);
            var back = switchTo(model, "rollback?version=" + live, live);
            var phase = stream.get(5, TimeUnit.MINUTES);
            var byVersion = new TreeMap<String, Integer>();
            long lastChallenger = 0;
            for (var drop : phase.drops) {
                var trace = drop.id == null ? null : versions.get(drop.id);
                if (trace == null || trace.version == null) {
                    continue;
                }
                byVersion.merge("version " + trace.version, 1, Integer::sum);
                if (trace.version.equals(Long.toString(challenger))) {
                    lastChallenger = Math.max(lastChallenger, trace.predicted);
                }
            }
            long failures = phase.endToEnd.failed();
            boolean met = back.seconds <= 5 && failures == 0;
            targets.put("rollback", new Target("Rollback under a stream at " + String.format(Locale.ROOT, "%.0f", rate) + " pictures/s:"
                + " the earlier version live again, no failed prediction (issue 16)", "≤ 5 s, 0 failures", String.format(Locale.ROOT,
                "%.1f s, %d failures", back.seconds, failures), met));
            return String.format(Locale.ROOT, "With the challenger of \"Shadow cost\" on trial (version %d beside the live version %d),"
                    + " pictures are dropped open loop at %.0f/s (%d s warm-up, then %d s); in that window, `POST /v1/rollout/%s/promote`,"
                    + " then 15 s later `POST /v1/rollout/%s/rollback?version=%d`. \"Live\" is when `GET /v1/rollout/%s` (polled every 50"
                    + " ms) first names the version live; a prediction's version is its record's `modelVersion`.%n%n"
                    + "| step | live in | first prediction by it after the request |%n|---|---|---|%n"
                    + "| promote to version %d | %.2f s | %s |%n| roll back to version %d | %.2f s | %s |%n%n"
                    + "Drops due in the window: %d; predicted: %s; failures: %s; p50 / p99 from due to prediction: %s / %s. Last"
                    + " prediction by version %d: %s after the rollback was asked.%n",
                challenger, live, rate, warmup.toSeconds(), measured.toSeconds(), model, model, live, model,
                challenger, promote.seconds, promote.firstPrediction(phase, versions, challenger),
                live, back.seconds, back.firstPrediction(phase, versions, live),
                phase.drops.size(), byVersion.isEmpty() ? "none" : byVersion.toString(), phase.endToEnd.failures(),
                phase.endToEnd.at(50), phase.endToEnd.at(99), challenger, lastChallenger == 0 ? "none" : String.format(Locale.ROOT,
                    "%+.2f s", (lastChallenger - back.askedEpochMillis) / 1e3));
        } finally {
            pool.shutdownNow();
        }
    }

    /** When a rollout command was asked (epoch ms) and how long until GET /v1/rollout named the version live. */
    private record Switch(long askedEpochMillis, double seconds) {
        String firstPrediction(Phase phase, Map<String, PipelineRecords.Trace> traces, long version) {
            long first = Long.MAX_VALUE;
            for (var drop : phase.drops) {
                var trace = drop.id == null ? null : traces.get(drop.id);
                if (trace != null && trace.version != null && trace.predicted >= askedEpochMillis
                        && trace.version.equals(Long.toString(version))) {
                    first = Math.min(first, trace.predicted);
                }
            }
            return first == Long.MAX_VALUE ? "none in the window" : String.format(Locale.ROOT, "%.2f s", (first - askedEpochMillis) / 1e3);
        }
    }

    private Switch switchTo(String model, String action, long version) throws Exception {
        long askedMillis = System.currentTimeMillis();
        long asked = System.nanoTime();
        var response = pipeline.post("/v1/rollout/" + model + "/" + action, "");
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException("POST /v1/rollout/" + model + "/" + action + " answered " + response.statusCode() + ": "
                + response.body());
        }
        long deadline = asked + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            var now = pipeline.get(pipeline.fileDrop().resolve("/v1/rollout/" + model));
            if (now.statusCode() == 200 && Jsons.read(now.body()).path("liveVersion").asLong(-1) == version) {
                double seconds = (System.nanoTime() - asked) / 1e9;
                System.out.printf(Locale.ROOT, "bench: %s: version %d live after %.2f s%n", action, version, seconds);
                return new Switch(askedMillis, seconds);
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("version " + version + " was not live 60 s after POST /v1/rollout/" + model + "/" + action);
    }

    /** Waits for a quiet machine before {@code next}, and keeps what it found for "The run". */
    private void awaitQuiet(String next) throws InterruptedException {
        quietWaits.add("before " + next + ", " + CostSections.awaitQuiet(next));
    }

    /** One configuration of a cost comparison: saturation with --saturation-in-flight, then open loop at --cost-rate. */
    private CostSections.Figures costFigures(String label) throws Exception {
        CostSections.awaitQuiet("the row");
        cpu = new Cpu(pipeline.pids());
        var load = CostSections.loadAverage();
        var warmup = Duration.ofSeconds(option("cost-warmup-seconds"));
        var measured = Duration.ofSeconds(option("cost-seconds"));
        double rate = option("cost-rate");
        // The fixed rate first: fresh JVMs (after a restart) then compile their hot code while CPU is to spare, as the run's own
        // services did at their start (cold start, then the fixed rates). Saturated at once, the JIT's compiler threads share two
        // busy cores with the work, and much of the hot code ran interpreted for minutes (JFR: most samples in interpreted frames).
        var atRate = openLoopPhase(String.format(Locale.ROOT, "%s, %.0f/s", label, rate), rate, warmup, measured);
        var saturation = closedLoopPhase(label + ", saturation", option("saturation-in-flight"), warmup, measured, false);
        // the trace to look up: a picture of the last window (the receiver keeps only the most recent spans)
        String sample = null;
        for (var drop : saturation.drops) {
            if (drop.id != null && drop.failure == null) {
                sample = drop.id;
            }
        }
        return new CostSections.Figures(label, saturation.throughput(), saturation.cpuPerPicture(),
            CostSections.perProcess(saturation.cpu(), saturation.predictedInWindow), saturation.runFailures, saturation.meanBatch(), rate,
            atRate.drops.size(), atRate.endToEnd, sample, load);
    }

    // ---- memory, metrics, the document ----------------------------------------------------------------------------------

    private String memory(boolean costsFollow) {
        var text = new StringBuilder("Resident memory of the six processes after all the measurements"
            + (costsFollow ? " above (before the cost comparisons, which restart services and load a second model)" : "")
            + ". RSS (VmRSS of /proc/PID/status) "
            + "counts every page a process maps, so a page that several processes share (the JVM's own libraries, TensorFlow's "
            + "native libraries that learn and serve-manager both map from the same file) is counted once per process. PSS (Pss of "
            + "/proc/PID/smaps_rollup) divides each shared page among the processes that map it, so the PSS of the six adds up to "
            + "the memory they hold together, each page once (a page they share with the bench's own JVM is counted in part). The "
            + "target is read on PSS.\n\n| process | RSS | PSS | of it shared with other processes (RSS - private) |\n|---|---|---|---|\n");
        long rssTotal = 0;
        long pssTotal = 0;
        for (var entry : pipeline.pids().entrySet()) {
            long rss = PipelineProcesses.rssKib(entry.getValue()).orElse(0L);
            var rollup = smapsRollup(entry.getValue());
            long pss = rollup.getOrDefault("Pss", 0L);
            long shared = rollup.getOrDefault("Shared_Clean", 0L) + rollup.getOrDefault("Shared_Dirty", 0L);
            rssTotal += rss;
            pssTotal += pss;
            text.append(String.format(Locale.ROOT, "| %s | %.0f MiB | %.0f MiB | %.0f MiB |%n", entry.getKey(), rss / 1024.0,
                pss / 1024.0, shared / 1024.0));
        }
        text.append(String.format(Locale.ROOT, "| **all six** | %.0f MiB (shared pages counted once per process) | **%.0f MiB** | |%n",
            rssTotal / 1024.0, pssTotal / 1024.0));
        double gib = pssTotal / 1024.0 / 1024.0;
        targets.put("memory", new Target("Resident memory of all six processes after the bench (PSS: each shared page once)", "≤ 1.5 GiB",
            String.format(Locale.ROOT, "%.2f GiB (RSS summed per process: %.2f GiB)", gib, rssTotal / 1024.0 / 1024.0),
            pssTotal > 0 && gib <= 1.5));
        return text.toString();
    }

    /** The kB fields of /proc/PID/smaps_rollup (Rss, Pss, Shared_Clean, ...); empty when the process or the file is gone. */
    private static Map<String, Long> smapsRollup(long pid) {
        var fields = new HashMap<String, Long>();
        try {
            for (var line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
                var parts = line.trim().split("\\s+");
                if (parts.length == 3 && parts[0].endsWith(":") && parts[2].equals("kB")) {
                    fields.put(parts[0].substring(0, parts[0].length() - 1), Long.parseLong(parts[1]));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Map.of();
        }
        return fields;
    }

    /** predict's batch-size summary (count, sum) from its /q/metrics, or null when the metric is absent. */
    private double[] batchSizes() {
        try {
            var response = pipeline.get(pipeline.http("predict").resolve("/q/metrics"));
            double count = 0;
            double sum = 0;
            boolean seen = false;
            for (var line : response.body().split("\n")) {
                if (line.startsWith("tffashion_predict_batch_size_count")) {
                    count += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    seen = true;
                } else if (line.startsWith("tffashion_predict_batch_size_sum")) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return seen ? new double[] {count, sum} : null;
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String batch(double mean) {
        return Double.isNaN(mean) ? "not measured" : String.format(Locale.ROOT, "%.2f", mean);
    }

    private static Set<String> ids(List<LoadGenerator.Drop> drops) {
        var ids = new HashSet<String>();
        drops.forEach(d -> {
            if (d.id != null) {
                ids.add(d.id);
            }
        });
        return ids;
    }

    private void write(Path out, boolean smoke, Machine start, Machine end, double seconds) throws IOException {
        var text = new StringBuilder("# Benchmarks\n\n");
        text.append("Written whole by `bin/tf-fashion bench` (`dev.tffashion.e2e.bench.Bench` in tests/e2e); nothing here is typed by"
            + " hand. The bench starts its own pipeline (kafka-local and the five packaged services as separate JVMs on 127.0.0.1;"
            + " serve-manager runs the embedded model server), trains a recipe through it, then measures. Latencies in ms.\n\n");
        if (smoke) {
            text.append("**SMOKE RUN** (warm-up or measured window under 60 s): it shows that the bench works, not what the pipeline"
                + " does. Its figures are not benchmark results.\n\n");
        }
        text.append("## The run\n\n");
        text.append("- started ").append(start.date()).append(", finished ").append(end.date())
            .append(String.format(Locale.ROOT, " (%.0f s)%n", seconds));
        text.append("- commit ").append(start.commit()).append(start.dirty()).append('\n');
        text.append("- machine: ").append(start.hardware()).append('\n');
        text.append("- load average (1, 5, 15 min) at start ").append(start.load()).append(", at the end ").append(end.load()).append('\n');
        if (!quietWaits.isEmpty()) {
            text.append("- the wait for a quiet machine (").append(CostSections.quietRule()).append("): ")
                .append(String.join("; ", quietWaits)).append('\n');
        }
        text.append("- ").append(doc.getOrDefault("recipe", "recipe " + options.get("recipe") + ": not trained")).append('\n');
        text.append("- options: ");
        options.forEach((name, value) -> text.append("--").append(name).append(' ').append(value).append(' '));
        text.append("\n\n");
        if (doc.containsKey("failures")) {
            text.append("Parts that failed:\n\n").append(doc.get("failures")).append('\n');
        }
        text.append("## Targets (issue 13; tracing: issue 18; rollback: issue 16), computed from the numbers below\n\n"
            + "| target | goal | measured | result |\n|---|---|---|---|\n");
        for (var key : List.of("cpu", "throughput", "latency", "cold", "overhead", "memory", "tracing", "rollback")) {
            var t = targets.get(key);
            if (t == null && (key.equals("tracing") || key.equals("rollback"))) {
                continue;
            }
            if (t == null) {
                text.append("| ").append(key).append(" | | not measured | **NOT met** |\n");
            } else {
                text.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", t.what(), t.goal(), t.measured(),
                    t.met() ? "met" : "**NOT met**"));
            }
        }
        text.append('\n');
        text.append("## Load generator\n\n").append(doc.getOrDefault("generator", "not measured\n")).append('\n');
        text.append("## Latency at fixed rates (open loop)\n\n").append(doc.getOrDefault("rates", "not measured\n")).append('\n');
        text.append("## Sustained throughput (saturation)\n\n").append(doc.getOrDefault("saturation", "not measured\n")).append('\n');
        text.append("## CPU per picture, by process\n\n").append(doc.getOrDefault("cpu", "not measured\n")).append('\n');
        text.append("## The broker's work per picture\n\n").append(doc.getOrDefault("broker", "not measured\n")).append('\n');
        text.append("## Direct gRPC Predict (reference)\n\n").append(doc.getOrDefault("grpc", "not measured\n")).append('\n');
        text.append("## Cold start\n\n").append(doc.getOrDefault("cold", "not measured\n")).append('\n');
        text.append("## Agreement through the preprocessing\n\n").append(doc.getOrDefault("agreement", "not measured\n")).append('\n');
        text.append(doc.getOrDefault("extra", ""));
        text.append("## Memory\n\n").append(doc.getOrDefault("memory", "not measured\n"));
        if (onOff("tracing-cost")) {
            text.append("\n## Tracing cost (issue 18)\n\n").append(doc.getOrDefault("tracing-cost", "not measured\n"));
        }
        if (onOff("shadow-cost")) {
            text.append("\n## Shadow cost (issue 16)\n\n").append(doc.getOrDefault("shadow-cost", "not measured\n"));
            text.append("\n## Promote and roll back under a stream (issue 16)\n\n").append(doc.getOrDefault("rollback",
                "not measured\n"));
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, text.toString(), StandardCharsets.UTF_8);
        System.out.println(text);
        System.out.println("bench: wrote " + out);
    }

    /** Where and when: date, commit and whether the tree was dirty, cores, memory, load average. */
    private record Machine(Instant date, String commit, String dirty, String hardware, String load) {

        static Machine now(Path root) throws IOException, InterruptedException {
            var cpuModel = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
            var mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal")).findFirst()
                .map(l -> String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0))
                .orElse("unknown");
            var load = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            var commit = git(root, "rev-parse", "HEAD").trim();
            var status = git(root, "status", "--porcelain", "--untracked-files=no").trim();
            var dirty = status.isEmpty() ? " (clean tree)" : " plus uncommitted changes to " + status.split("\n").length + " tracked files";
            return new Machine(Instant.now(), commit, dirty, String.format(Locale.ROOT, "%d cores (%s), %s memory, Java %s, %s",
                Runtime.getRuntime().availableProcessors(), cpuModel, mem, System.getProperty("java.version"),
                System.getProperty("os.name")),
                load[0] + " " + load[1] + " " + load[2]);
        }

        String line() {
            return date + ", commit " + commit + dirty + ", " + hardware + ", load average " + load;
        }

        private static String git(Path root, String... args) throws IOException, InterruptedException {
            var command = new ArrayList<String>(List.of("git", "-C", root.toString()));
            command.addAll(List.of(args));
            var process = new ProcessBuilder(command).redirectErrorStream(true).start();
            var out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return process.waitFor() == 0 ? out : "unknown (git failed: " + out.trim() + ")";
        }
    }
}
