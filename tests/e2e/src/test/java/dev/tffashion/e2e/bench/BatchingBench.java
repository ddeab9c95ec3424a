package dev.tffashion.e2e.bench;

import com.google.protobuf.ByteString;
import dev.tffashion.e2e.TestImages;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
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
 * tensorflow_model_server) serving a fashion model, driven by N concurrent gRPC clients (default 32) that each send one
 * 28x28 picture per Predict call, once without and once with {@code --enable_batching}. Reports throughput, p50 and p99
 * (HdrHistogram) and the server process's CPU time per picture (from {@code /proc/<pid>/stat}).
 *
 * <p>{@code main}: {@code --model-base DIR} (a TF Serving base path: DIR/<version>/saved_model.pb), {@code --seconds S}
 * per mode (default 10), {@code --clients N} (default 32). Bench calls {@link #measure} and {@link #markdown}.
 */
public final class BatchingBench {

    /** The batching parameters the batched run uses: a batch per 32 pictures, a short wait, one thread per core. */
    public static final String BATCHING_PARAMETERS = "max_batch_size { value: 32 }\n"
        + "batch_timeout_micros { value: 500 }\n"
        + "num_batch_threads { value: " + Runtime.getRuntime().availableProcessors() + " }\n"
        + "max_enqueued_batches { value: 100 }\n";

    private static final String MODEL = "fashion";
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private BatchingBench() {
    }

    /** One mode's figures. */
    public record Run(String mode, int clients, long calls, double seconds, double throughput, double p50Millis, double p99Millis,
                      double cpuMicrosPerPicture) {
    }

    /** Both modes. */
    public record Result(Run unbatched, Run batched, String batchingParameters, int cores) {
    }

    /**
     * Runs both modes against the model base path.
     *
     * @param pictures the pictures to send (28*28 floats each), cycled through
     */
    public static Result measure(Path modelBase, List<float[]> pictures, int clients, Duration perMode, Path work) throws Exception {
        Files.createDirectories(work);
        Path parameters = work.resolve("batching_parameters.txt");
        Files.writeString(parameters, BATCHING_PARAMETERS);
        Run unbatched = run("without batching", modelBase, pictures, clients, perMode, work, List.of());
        Run batched = run("--enable_batching", modelBase, pictures, clients, perMode, work,
            List.of("--enable_batching", "--batching_parameters_file=" + parameters));
        return new Result(unbatched, batched, BATCHING_PARAMETERS, Runtime.getRuntime().availableProcessors());
    }

    private static Run run(String mode, Path modelBase, List<float[]> pictures, int clients, Duration perMode, Path work,
                           List<String> extraFlags) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
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
            List<PredictRequest> requests = requests(channel, pictures);
            PredictionServiceGrpc.PredictionServiceBlockingStub stub = PredictionServiceGrpc.newBlockingStub(channel);
            drive(stub, requests, clients, Duration.ofSeconds(1), new Recorder(3));
            Recorder recorder = new Recorder(3);
            recorder.reset();
            long cpuBefore = cpuTicks(server.pid());
            long start = System.nanoTime();
            long calls = drive(stub, requests, clients, perMode, recorder);
            double seconds = (System.nanoTime() - start) / 1e9;
            long cpuTicks = cpuTicks(server.pid()) - cpuBefore;
            Histogram histogram = recorder.getIntervalHistogram();
            return new Run(mode, clients, calls, seconds, calls / seconds, histogram.getValueAtPercentile(50) / 1e6,
                histogram.getValueAtPercentile(99) / 1e6, cpuTicks * (1e6 / CLOCK_TICKS_PER_SECOND) / calls);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.destroy();
            if (!server.waitFor(15, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
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

    /** One Predict request per picture: the serving signature's input, a batch of one, float32 as tensor_content. */
    private static List<PredictRequest> requests(ManagedChannel channel, List<float[]> pictures) throws Exception {
        SignatureDef signature = PredictionServiceGrpc.newBlockingStub(channel).getModelMetadata(GetModelMetadataRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName(MODEL)).addMetadataField("signature_def").build())
            .getMetadataOrThrow("signature_def").unpack(SignatureDefMap.class).getSignatureDefOrThrow("serving_default");
        Map.Entry<String, TensorInfo> input = signature.getInputsMap().entrySet().iterator().next();
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (TensorShapeProto.Dim dim : input.getValue().getTensorShape().getDimList()) {
            shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(dim.getSize() < 0 ? 1 : dim.getSize()));
        }
        List<PredictRequest> requests = new ArrayList<>();
        for (float[] picture : pictures) {
            ByteBuffer content = ByteBuffer.allocate(picture.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            content.asFloatBuffer().put(picture);
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

    /** The bench report's section. */
    public static String markdown(Result result) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "%d concurrent gRPC clients, one 28x28 picture per Predict call, against the model"
            + " server standalone (child JVM) on %d cores; CPU is the server process's user+system time.%n%n",
            result.unbatched().clients(), result.cores()));
        md.append("| mode | calls | throughput (pictures/s) | p50 (ms) | p99 (ms) | server CPU per picture (µs) |\n");
        md.append("|---|---:|---:|---:|---:|---:|\n");
        for (Run run : List.of(result.unbatched(), result.batched())) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.3f | %.3f | %.1f |%n", run.mode(), run.calls(), run.throughput(),
                run.p50Millis(), run.p99Millis(), run.cpuMicrosPerPicture()));
        }
        Run off = result.unbatched();
        Run on = result.batched();
        md.append(String.format(Locale.ROOT, "%nBatching changes throughput by a factor of %.2f, p50 by %+.3f ms, p99 by %+.3f ms and the"
            + " server's CPU per picture by a factor of %.2f.%n", on.throughput() / off.throughput(), on.p50Millis() - off.p50Millis(),
            on.p99Millis() - off.p99Millis(), on.cpuMicrosPerPicture() / off.cpuMicrosPerPicture()));
        md.append("\nBatching parameters (`--batching_parameters_file`):\n\n```\n").append(result.batchingParameters()).append("```\n");
        return md.toString();
    }

    /** Options: --model-base DIR (required), --seconds S (10), --clients N (32), --images N (1000). */
    /**
     * This figure as a section of the bench: the model the pipeline serves (its base path), 32 clients by default
     * ({@code --batching-clients}), {@code --batching-seconds} per mode (30 by default), the first 1000 test images.
     */
    static BenchSection section() {
        return new BenchSection() {
            @Override
            public String title() {
                return "TF Serving batching: " + "32 concurrent clients, one picture per call, with and without --enable_batching";
            }

            @Override
            public String measure(Context context) throws Exception {
                List<float[]> pictures = new ArrayList<>();
                for (int i = 0; i < Math.min(1000, context.images().count()); i++) {
                    pictures.add(context.images().pixels(i));
                }
                int clients = Integer.parseInt(context.options().getOrDefault("batching-clients", "32"));
                Duration perMode = Duration.ofSeconds(Long.parseLong(context.options().getOrDefault("batching-seconds", "30")));
                Result result = BatchingBench.measure(context.modelDir().getParent(), pictures, clients, perMode,
                    Path.of("target", "batching-bench-" + System.currentTimeMillis()));
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
            System.err.println("usage: BatchingBench --model-base DIR [--seconds S] [--clients N] [--images N]"
                + " (DIR holds the model's numeric version folders)");
            System.exit(2);
        }
        TestImages images = TestImages.load();
        int count = Math.min(images.count(), Integer.parseInt(options.getOrDefault("images", "1000")));
        List<float[]> pictures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            pictures.add(images.pixels(i));
        }
        Result result = measure(Path.of(options.get("model-base")), pictures, Integer.parseInt(options.getOrDefault("clients", "32")),
            Duration.ofSeconds(Long.parseLong(options.getOrDefault("seconds", "10"))),
            Path.of("target", "batching-bench-" + System.currentTimeMillis()));
        System.out.print(markdown(result));
    }
}
