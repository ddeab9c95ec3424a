package dev.tffashion.e2e.bench;

import com.google.protobuf.ByteString;
import dev.tffashion.e2e.PipelineProcesses;
import dev.tffashion.e2e.TestImages;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import tensorflow.serving.GetModelMetadata.GetModelMetadataRequest;
import tensorflow.serving.GetModelMetadata.SignatureDefMap;
import tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import tensorflow.serving.GetModelStatus.ModelVersionStatus;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.ModelServiceGrpc;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.PredictionServiceGrpc;

/**
 * The batching figure of the bench: the model server (libs/model-server, standalone in a child JVM, as
 * tensorflow_model_server) serving a fashion model, once without and once with {@code --enable_batching}, under two
 * traffic patterns: N concurrent gRPC clients (default 32) that each send one 28x28 picture per Predict call, and the
 * pipeline's own traffic, one client (predict's one consumer) sending one call at a time with a batch of B pictures (B =
 * predict's mean batch from the bench's saturation window when the bench measured it, else a parameter, default 16).
 * Reports throughput, p50 and p99 (HdrHistogram) and the server process's CPU time per picture (from
 * {@code /proc/<pid>/stat}) for each, and a verdict on the pipeline's traffic computed by {@link #helpsPipeline} from the
 * numbers: serve-manager's embedded mode turns batching on by default only if that verdict is yes.
 *
 * <p>{@code main}: {@code --model-base DIR} (a TF Serving base path: DIR/<version>/saved_model.pb), {@code --seconds S}
 * per mode and pattern (default 10), {@code --clients N} (default 32), {@code --pipeline-batch B} (default 16),
 * {@code --images N} (default 1000). Bench calls {@link #section}.
 */
public final class BatchingBench {

    /** The pictures per call of the pipeline pattern when predict's mean batch is not known. */
    public static final int DEFAULT_PIPELINE_BATCH = 16;
    /** The verdict's rule: batching helps when it raises throughput by at least this factor ... */
    static final double MIN_THROUGHPUT_GAIN = 1.10;
    /** ... and its p99 is at most this factor of the unbatched p99. */
    static final double MAX_P99_FACTOR = 1.10;

    /**
     * The batching parameters of the batched runs: a batch of up to max(32, B) pictures (32 one-picture clients can never
     * fill more than 32; B so that one call of the pipeline pattern fits, as TF Serving refuses a larger one), a short
     * wait, one thread per core.
     */
    public static String batchingParameters(int pipelineBatch) {
        return "max_batch_size { value: " + Math.max(32, pipelineBatch) + " }\n"
            + "batch_timeout_micros { value: 500 }\n"
            + "num_batch_threads { value: " + Runtime.getRuntime().availableProcessors() + " }\n"
            + "max_enqueued_batches { value: 100 }\n";
    }

    /** The option Bench sets to predict's mean batch in its saturation window, when it measured it. */
    static final String PREDICT_MEAN_BATCH = "predict-mean-batch";

    private static final String MODEL = "fashion";
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private BatchingBench() {
    }

    /** One mode's figures under one traffic pattern; throughput and CPU are per picture. */
    public record Run(String mode, int clients, int picturesPerCall, long calls, double seconds, double throughput, double p50Millis,
                      double p99Millis, double cpuMicrosPerPicture) {
    }

    /**
     * Both modes under both patterns.
     *
     * @param pipelineBatchSource where the pipeline pattern's pictures per call came from (printed with the figures)
     */
    public record Result(Run unbatched, Run batched, Run pipelineUnbatched, Run pipelineBatched, String pipelineBatchSource,
                         String batchingParameters, int cores) {
    }

    /**
     * Runs both modes against the model base path, each with both patterns on one server process.
     *
     * @param pictures      the pictures to send (28*28 floats each), cycled through
     * @param pipelineBatch the pictures per call of the pipeline pattern
     */
    public static Result measure(Path modelBase, List<float[]> pictures, int clients, Duration perMode, Path work, int pipelineBatch,
                                 String pipelineBatchSource) throws Exception {
        Files.createDirectories(work);
        Path parameters = work.resolve("batching_parameters.txt");
        String text = batchingParameters(pipelineBatch);
        Files.writeString(parameters, text);
        Run[] unbatched = run("without batching", modelBase, pictures, clients, pipelineBatch, perMode, work, List.of());
        Run[] batched = run("--enable_batching", modelBase, pictures, clients, pipelineBatch, perMode, work,
            List.of("--enable_batching", "--batching_parameters_file=" + parameters));
        return new Result(unbatched[0], batched[0], unbatched[1], batched[1], pipelineBatchSource, text,
            Runtime.getRuntime().availableProcessors());
    }

    /** One server process in one mode: the concurrent one-picture pattern, then the pipeline pattern. */
    private static Run[] run(String mode, Path modelBase, List<float[]> pictures, int clients, int pipelineBatch, Duration perMode,
                             Path work, List<String> extraFlags) throws Exception {
        int port = PipelineProcesses.freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"), "dev.tffashion.modelserver.ModelServerMain",
            "--port=" + port, "--rest_api_port=0", "--host=127.0.0.1", "--model_name=" + MODEL,
            "--model_base_path=" + modelBase.toAbsolutePath(), "--file_system_poll_wait_seconds=0"));
        command.addAll(extraFlags);
        Path log = work.resolve("model-server-" + (extraFlags.isEmpty() ? "unbatched" : "batched") + ".log");
        Process server = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ManagedChannel channel = NettyChannelBuilder.forTarget("127.0.0.1:" + port).usePlaintext().build();
        try {
            awaitAvailable(channel, server, log);
            PredictionServiceGrpc.PredictionServiceBlockingStub stub = PredictionServiceGrpc.newBlockingStub(channel);
            Run concurrent = pattern(mode, server, stub, requests(channel, pictures, 1), clients, 1, perMode);
            Run pipeline = pattern(mode, server, stub, requests(channel, pictures, pipelineBatch), 1, pipelineBatch, perMode);
            return new Run[] {concurrent, pipeline};
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.destroy();
            if (!server.waitFor(15, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** One traffic pattern: 1 s of warm-up, then {@code clients} clients back to back for the duration. */
    private static Run pattern(String mode, Process server, PredictionServiceGrpc.PredictionServiceBlockingStub stub,
                               List<PredictRequest> requests, int clients, int picturesPerCall, Duration perMode) throws Exception {
        drive(stub, requests, clients, Duration.ofSeconds(1), new Recorder(3));
        Recorder recorder = new Recorder(3);
        long cpuBefore = cpuTicks(server.pid());
        long start = System.nanoTime();
        long calls = drive(stub, requests, clients, perMode, recorder);
        double seconds = (System.nanoTime() - start) / 1e9;
        long cpuTicks = cpuTicks(server.pid()) - cpuBefore;
        Histogram histogram = recorder.getIntervalHistogram();
        long pictures = calls * picturesPerCall;
        return new Run(mode, clients, picturesPerCall, calls, seconds, pictures / seconds, histogram.getValueAtPercentile(50) / 1e6,
            histogram.getValueAtPercentile(99) / 1e6, cpuTicks * (1e6 / CLOCK_TICKS_PER_SECOND) / Math.max(1, pictures));
    }

    private static void awaitAvailable(ManagedChannel channel, Process server, Path log) throws Exception {
        ModelServiceGrpc.ModelServiceBlockingStub models = ModelServiceGrpc.newBlockingStub(channel);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IllegalStateException("The model server exited; see " + log);
            }
            try {
                var status = models.withDeadlineAfter(2, TimeUnit.SECONDS).getModelStatus(GetModelStatusRequest.newBuilder()
                    .setModelSpec(ModelSpec.newBuilder().setName(MODEL)).build());
                if (status.getModelVersionStatusList().stream().anyMatch(s -> s.getState() == ModelVersionStatus.State.AVAILABLE)) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // the port is not open yet, or the version is still loading
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("The model server did not serve model " + MODEL + " within 120 s; see " + log);
    }

    /**
     * Predict requests of {@code perCall} consecutive pictures each (cycling through the pictures): the serving
     * signature's input, first dimension {@code perCall}, float32 as tensor_content.
     */
    private static List<PredictRequest> requests(ManagedChannel channel, List<float[]> pictures, int perCall) throws Exception {
        SignatureDef signature = PredictionServiceGrpc.newBlockingStub(channel).getModelMetadata(GetModelMetadataRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName(MODEL)).addMetadataField("signature_def").build())
            .getMetadataOrThrow("signature_def").unpack(SignatureDefMap.class).getSignatureDefOrThrow("serving_default");
        Map.Entry<String, TensorInfo> input = signature.getInputsMap().entrySet().iterator().next();
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (TensorShapeProto.Dim dim : input.getValue().getTensorShape().getDimList()) {
            long size = shape.getDimCount() == 0 ? perCall : dim.getSize() < 0 ? 1 : dim.getSize();
            shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(size));
        }
        List<PredictRequest> requests = new ArrayList<>();
        for (int first = 0; first < pictures.size(); first += perCall) {
            int floats = pictures.get(0).length;
            ByteBuffer content = ByteBuffer.allocate(perCall * floats * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < perCall; i++) {
                content.asFloatBuffer().position(i * floats).put(pictures.get((first + i) % pictures.size()));
            }
            requests.add(PredictRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName(MODEL))
                .putInputs(input.getKey(), TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape)
                    .setTensorContent(ByteString.copyFrom(content.array())).build())
                .build());
        }
        return requests;
    }

    /** N client threads calling Predict back to back for the duration; returns the number of calls answered. */
    private static long drive(PredictionServiceGrpc.PredictionServiceBlockingStub stub, List<PredictRequest> requests, int clients,
                              Duration duration, Recorder recorder) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] counts = new long[clients];
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread thread = new Thread(() -> {
                int next = client;
                try {
                    while (!stop.get()) {
                        PredictRequest request = requests.get(next++ % requests.size());
                        long start = System.nanoTime();
                        stub.withDeadlineAfter(30, TimeUnit.SECONDS).predict(request);
                        recorder.recordValue(System.nanoTime() - start);
                        counts[client]++;
                    }
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                    stop.set(true);
                }
            }, "batching-bench-client-" + c);
            threads.add(thread);
            thread.start();
        }
        Thread.sleep(duration.toMillis());
        stop.set(true);
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("A client's Predict failed: " + failure.get(), failure.get());
        }
        long calls = 0;
        for (long count : counts) {
            calls += count;
        }
        return calls;
    }

    /** utime + stime of a process, in clock ticks, from /proc/<pid>/stat. */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /**
     * The verdict on the pipeline's traffic: batching helps when, with the pipeline pattern, it raises throughput by at
     * least {@link #MIN_THROUGHPUT_GAIN} and keeps p99 within {@link #MAX_P99_FACTOR} of the unbatched p99.
     */
    static boolean helpsPipeline(Run unbatched, Run batched) {
        return batched.throughput() >= MIN_THROUGHPUT_GAIN * unbatched.throughput()
            && batched.p99Millis() <= MAX_P99_FACTOR * unbatched.p99Millis();
    }

    /** The bench report's section. */
    public static String markdown(Result result) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "The model server standalone (child JVM) on %d cores, once without and once with"
            + " `--enable_batching` (same parameters file, below); CPU is the server process's user+system time, per picture.%n%n",
            result.cores()));
        md.append(String.format(Locale.ROOT, "**%d concurrent gRPC clients, one 28x28 picture per Predict call:**%n%n",
            result.unbatched().clients()));
        table(md, result.unbatched(), result.batched());
        md.append(String.format(Locale.ROOT, "**The pipeline's own traffic: one client (predict's one consumer), one call at a time,"
            + " %d pictures per call** (%s):%n%n", result.pipelineUnbatched().picturesPerCall(), result.pipelineBatchSource()));
        table(md, result.pipelineUnbatched(), result.pipelineBatched());
        Run off = result.pipelineUnbatched();
        Run on = result.pipelineBatched();
        md.append(String.format(Locale.ROOT, "Rule: batching helps the pipeline's traffic when, on that traffic, it raises throughput"
            + " by at least %.0f%% and keeps p99 within %.0f%% of the unbatched p99. Here throughput x%.2f, p99 x%.2f.%n%n",
            (MIN_THROUGHPUT_GAIN - 1) * 100, (MAX_P99_FACTOR - 1) * 100, on.throughput() / off.throughput(),
            on.p99Millis() / off.p99Millis()));
        md.append("**batching helps the pipeline's traffic: ").append(helpsPipeline(off, on) ? "yes" : "no").append("**\n");
        md.append("\nserve-manager's embedded mode turns batching on by default only if this line says yes.\n");
        md.append("\nBatching parameters (`--batching_parameters_file`):\n\n```\n").append(result.batchingParameters()).append("```\n");
        return md.toString();
    }

    private static void table(StringBuilder md, Run off, Run on) {
        md.append("| mode | calls | throughput (pictures/s) | p50 per call (ms) | p99 per call (ms) | server CPU per picture (µs) |\n");
        md.append("|---|---:|---:|---:|---:|---:|\n");
        for (Run run : List.of(off, on)) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.3f | %.3f | %.1f |%n", run.mode(), run.calls(), run.throughput(),
                run.p50Millis(), run.p99Millis(), run.cpuMicrosPerPicture()));
        }
        md.append(String.format(Locale.ROOT, "%nBatching changes throughput by a factor of %.2f, p50 by %+.3f ms, p99 by %+.3f ms and the"
            + " server's CPU per picture by a factor of %.2f.%n%n", on.throughput() / off.throughput(), on.p50Millis() - off.p50Millis(),
            on.p99Millis() - off.p99Millis(), on.cpuMicrosPerPicture() / off.cpuMicrosPerPicture()));
    }

    /**
     * The pictures per call of the pipeline pattern and where it came from: {@code --batching-pipeline-batch} when given,
     * else predict's mean batch in the bench's saturation window ({@code predict-mean-batch}, passed by Bench when it
     * measured it), else {@link #DEFAULT_PIPELINE_BATCH}.
     */
    static Map.Entry<Integer, String> pipelineBatch(Map<String, String> options) {
        String given = options.get("batching-pipeline-batch");
        if (given != null) {
            return Map.entry(Integer.parseInt(given), "given with --batching-pipeline-batch");
        }
        String measured = options.get(PREDICT_MEAN_BATCH);
        if (measured != null) {
            int batch = (int) Math.max(1, Math.round(Double.parseDouble(measured)));
            return Map.entry(batch, "predict's mean batch in the saturation window, " + measured + ", rounded");
        }
        return Map.entry(DEFAULT_PIPELINE_BATCH, "predict's mean batch was not measured in this run, so the default of "
            + DEFAULT_PIPELINE_BATCH + "; `--batching-pipeline-batch` in the bench, `--pipeline-batch` in BatchingBench's main set it");
    }

    /**
     * This figure as a section of the bench: the model the pipeline serves (its base path), 32 clients by default
     * ({@code --batching-clients}), {@code --batching-seconds} per mode and pattern (30 by default), the first 1000 test
     * images, the pipeline pattern's batch from {@link #pipelineBatch}.
     */
    static BenchSection section() {
        return new BenchSection() {
            @Override
            public String title() {
                return "TF Serving batching: 32 concurrent one-picture clients and the pipeline's own traffic, with and without"
                    + " --enable_batching";
            }

            @Override
            public String measure(Context context) throws Exception {
                List<float[]> pictures = new ArrayList<>();
                for (int i = 0; i < Math.min(1000, context.images().count()); i++) {
                    pictures.add(context.images().pixels(i));
                }
                int clients = Integer.parseInt(context.options().getOrDefault("batching-clients", "32"));
                Duration perMode = Duration.ofSeconds(Long.parseLong(context.options().getOrDefault("batching-seconds", "30")));
                Map.Entry<Integer, String> batch = pipelineBatch(context.options());
                Result result = BatchingBench.measure(context.modelDir().getParent(), pictures, clients, perMode,
                    Path.of("target", "batching-bench-" + System.currentTimeMillis()), batch.getKey(), batch.getValue());
                return markdown(result);
            }
        };
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        if (!options.containsKey("model-base")) {
            System.err.println("usage: BatchingBench --model-base DIR [--seconds S] [--clients N] [--pipeline-batch B] [--images N]"
                + " (DIR holds the model's numeric version folders)");
            System.exit(2);
        }
        TestImages images = TestImages.load();
        int count = Math.min(images.count(), Integer.parseInt(options.getOrDefault("images", "1000")));
        List<float[]> pictures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            pictures.add(images.pixels(i));
        }
        Map<String, String> batchOptions = new HashMap<>();
        if (options.containsKey("pipeline-batch")) {
            batchOptions.put("batching-pipeline-batch", options.get("pipeline-batch"));
        }
        Map.Entry<Integer, String> batch = pipelineBatch(batchOptions);
        Result result = measure(Path.of(options.get("model-base")), pictures, Integer.parseInt(options.getOrDefault("clients", "32")),
            Duration.ofSeconds(Long.parseLong(options.getOrDefault("seconds", "10"))),
            Path.of("target", "batching-bench-" + System.currentTimeMillis()), batch.getKey(), batch.getValue());
        System.out.print(markdown(result));
    }
}
