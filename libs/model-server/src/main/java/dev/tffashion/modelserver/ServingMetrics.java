package dev.tffashion.modelserver;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.tensorflow.proto.error.Code;

/**
 * The metrics TF Serving exports, under its names, labels and histogram buckets, in Prometheus text format (its
 * {@code --monitoring_config_file} endpoint): requests by model and status, request latency by model, API and
 * entrypoint and runtime latency by model, API and runtime (TF Serving's {@code servables/tensorflow/util.cc}),
 * SavedModel load attempts and latency, warm-up latency, and the batching session's input, processed and padding batch
 * sizes, queuing latency and wrapped run count (TF Serving's {@code batching/batching_session.cc} and
 * {@code batching_util.h}). Latencies are in microseconds.
 */
final class ServingMetrics {

    static final String REQUEST_COUNT = "/tensorflow/serving/request_count";
    static final String REQUEST_LATENCY = "/tensorflow/serving/request_latency";
    static final String LOAD_ATTEMPT_COUNT = "/tensorflow/cc/saved_model/load_attempt_count";
    static final String LOAD_LATENCY = "/tensorflow/cc/saved_model/load_latency";
    static final String WARMUP_LATENCY = "/tensorflow/serving/model_warmup_latency";
    static final String RUNTIME_LATENCY = "/tensorflow/serving/runtime_latency";
    static final String INPUT_BATCH_SIZE = "/tensorflow/serving/batching_session/input_batch_size";
    static final String PROCESSED_BATCH_SIZE = "/tensorflow/serving/batching_session/processed_batch_size";
    static final String PADDING_SIZE = "/tensorflow/serving/batching_session/padding_size";
    static final String QUEUING_LATENCY = "/tensorflow/serving/batching_session/queuing_latency";
    static final String WRAPPED_RUN_COUNT = "/tensorflow/serving/batching_session/wrapped_run_count";
    /** The runtime label of a TensorFlow session run, as TF Serving's predict_util, classifier and regressor record it. */
    static final String RUNTIME_TF1 = "TF1";
    /** The thread_pool_name label of the queuing latency: TF Serving's server creates its batching sessions with "". */
    static final String NO_THREAD_POOL_NAME = "";

    /** TF Serving's request and runtime latency buckets: scale 10, power 1.8, 33 buckets (~20 minutes). */
    private static final double[] LATENCY_BUCKETS = exponential(10, 1.8, 33);
    /** batching_util.h's batch size buckets: [1, 2, 4, ..., 8192]. */
    private static final double[] BATCH_BUCKETS = exponential(1, 2, 14);
    /** batching_session.cc's queuing latency buckets: scale 100, power 1.2, 52 buckets (~1 second). */
    private static final double[] QUEUING_BUCKETS = exponential(100, 1.2, 52);

    /** metric name -> its cells (label values -> value), printed in name order as TF Serving does. */
    private final Map<String, Family> families = new ConcurrentSkipListMap<>();

    ServingMetrics() {
        family(REQUEST_COUNT, "counter", null, "model_name", "status");
        family(REQUEST_LATENCY, "histogram", LATENCY_BUCKETS, "model_name", "API", "entrypoint");
        family(LOAD_ATTEMPT_COUNT, "counter", null, "model_path", "status");
        family(LOAD_LATENCY, "counter", null, "model_path");
        family(WARMUP_LATENCY, "histogram", LATENCY_BUCKETS, "model_path");
        family(RUNTIME_LATENCY, "histogram", LATENCY_BUCKETS, "model_name", "API", "runtime");
        family(INPUT_BATCH_SIZE, "histogram", BATCH_BUCKETS);
        family(PROCESSED_BATCH_SIZE, "histogram", BATCH_BUCKETS);
        family(PADDING_SIZE, "histogram", BATCH_BUCKETS, "execution_batch_size");
        family(QUEUING_LATENCY, "histogram", QUEUING_BUCKETS, "thread_pool_name");
        family(WRAPPED_RUN_COUNT, "counter", null);
    }

    private void family(String name, String type, double[] buckets, String... labels) {
        families.put(name, new Family(type, buckets, List.of(labels)));
    }

    private static double[] exponential(double scale, double growth, int count) {
        double[] limits = new double[count];
        double limit = scale;
        for (int i = 0; i < count; i++) {
            limits[i] = limit;
            limit *= growth;
        }
        return limits;
    }

    /**
     * Runs one request and records its count (by status code) and latency.
     *
     * @param api        TF Serving's API label: Predict, Classify, Regress, MultiInference, GetModelMetadata
     * @param entrypoint GRPC or REST
     */
    <T> T request(String modelName, String api, String entrypoint, Supplier<T> call) {
        long start = System.nanoTime();
        Code status = Code.OK;
        try {
            return call.get();
        } catch (ServingException e) {
            status = e.code();
            throw e;
        } catch (RuntimeException e) {
            status = Code.INTERNAL;
            throw e;
        } finally {
            long micros = (System.nanoTime() - start) / 1000;
            families.get(REQUEST_COUNT).add(List.of(modelName, status.name()), 1);
            families.get(REQUEST_LATENCY).observe(List.of(modelName, api, entrypoint), micros);
        }
    }

    void loadAttempt(Path dir, boolean success, long nanos) {
        String path = dir.toString();
        families.get(LOAD_ATTEMPT_COUNT).add(List.of(path, success ? "success" : "fail"), 1);
        if (success) {
            families.get(LOAD_LATENCY).add(List.of(path), nanos / 1000);
        }
    }

    void warmup(Path dir, long nanos) {
        families.get(WARMUP_LATENCY).observe(List.of(dir.toString()), nanos / 1000.0);
    }

    /**
     * One successful TensorFlow session run of a Predict, Classify or Regress (not MultiInference, as in TF Serving), by the
     * model name the request gave; with batching it includes the time queued, since TF Serving times the batching session.
     */
    void runtime(String modelName, String api, long nanos) {
        families.get(RUNTIME_LATENCY).observe(List.of(modelName, api, RUNTIME_TF1), nanos / 1000);
    }

    /** The first dimension of one input tensor of a session run that entered the batching session. */
    void inputBatchSize(long rows) {
        families.get(INPUT_BATCH_SIZE).observe(List.of(), rows);
    }

    /** One merged batch: its size after padding to an allowed batch size, and the padding rows added. */
    void processedBatch(int paddedRows, int paddingRows) {
        families.get(PROCESSED_BATCH_SIZE).observe(List.of(), paddedRows);
        families.get(PADDING_SIZE).observe(List.of(Integer.toString(paddedRows)), paddingRows);
    }

    /** The time one task waited in the batching queue, from enqueue to the start of its batch. */
    void queuingLatency(long nanos) {
        families.get(QUEUING_LATENCY).observe(List.of(NO_THREAD_POOL_NAME), nanos / 1000);
    }

    /** One run of the wrapped (unbatched) session by the batching session, whatever its outcome. */
    void wrappedRun() {
        families.get(WRAPPED_RUN_COUNT).add(List.of(), 1);
    }

    /** The value of a counter cell (0 when never incremented); for tests and tools. */
    long counter(String name, String... labels) {
        Cell cell = families.get(name).cells.get(List.of(labels));
        return cell == null ? 0 : cell.count.sum();
    }

    /** The number of observations of a histogram cell. */
    long observations(String name, String... labels) {
        Cell cell = families.get(name).cells.get(List.of(labels));
        return cell == null ? 0 : cell.count.sum();
    }

    /** The Prometheus text page, as TF Serving's PrometheusExporter writes it. */
    String prometheus() {
        StringBuilder page = new StringBuilder();
        for (Map.Entry<String, Family> entry : families.entrySet()) {
            Family family = entry.getValue();
            if (family.cells.isEmpty()) {
                continue;
            }
            String name = entry.getKey().replaceAll("[^a-zA-Z0-9_]", ":");
            page.append("# TYPE ").append(name).append(' ').append(family.type).append('\n');
            for (Map.Entry<List<String>, Cell> cell : family.sortedCells()) {
                List<String> labels = new ArrayList<>();
                for (int i = 0; i < family.labels.size(); i++) {
                    labels.add(family.labels.get(i).replaceAll("[^a-zA-Z0-9]", "_") + "=\""
                        + cell.getKey().get(i).replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
                }
                String joined = String.join(",", labels);
                Cell c = cell.getValue();
                if (family.buckets == null) {
                    page.append(name).append('{').append(joined).append("} ").append(c.count.sum()).append('\n');
                    continue;
                }
                String prefix = name + "_bucket{" + joined + (joined.isEmpty() ? "" : ",");
                long cumulative = 0;
                for (int i = 0; i <= family.buckets.length; i++) {
                    cumulative += c.buckets.get(i);
                    String le = i < family.buckets.length ? number(family.buckets[i]) : "+Inf";
                    page.append(prefix).append("le=\"").append(le).append("\"} ").append(cumulative).append('\n');
                }
                page.append(name).append("_sum{").append(joined).append("} ").append(number(c.sum.sum())).append('\n');
                page.append(name).append("_count{").append(joined).append("} ").append(cumulative).append('\n');
            }
        }
        return page.toString();
    }

    /** A number as absl::StrCat prints a double (printf's %.6g). */
    static String number(double value) {
        return TfNumbers.sixDigits(value);
    }

    /** One metric: its Prometheus type, its histogram bucket limits (null for a counter) and its label names. */
    private static final class Family {
        private final String type;
        private final double[] buckets;
        private final List<String> labels;
        private final Map<List<String>, Cell> cells = new ConcurrentHashMap<>();

        Family(String type, double[] buckets, List<String> labels) {
            this.type = type;
            this.buckets = buckets;
            this.labels = labels;
        }

        private Cell cell(List<String> labelValues) {
            return cells.computeIfAbsent(labelValues, k -> new Cell(buckets == null ? 0 : buckets.length + 1));
        }

        void add(List<String> labelValues, long amount) {
            cell(labelValues).count.add(amount);
        }

        void observe(List<String> labelValues, double value) {
            Cell cell = cell(labelValues);
            int bucket = 0;
            while (bucket < buckets.length && value >= buckets[bucket]) {
                bucket++;
            }
            cell.buckets.incrementAndGet(bucket);
            cell.sum.add(value);
            cell.count.increment();
        }

        List<Map.Entry<List<String>, Cell>> sortedCells() {
            List<Map.Entry<List<String>, Cell>> sorted = new ArrayList<>(cells.entrySet());
            sorted.sort((a, b) -> String.join("\u0000", a.getKey()).compareTo(String.join("\u0000", b.getKey())));
            return sorted;
        }
    }

    /** A counter value, or a histogram's bucket counts, sum and count. */
    private static final class Cell {
        private final LongAdder count = new LongAdder();
        private final DoubleAdder sum = new DoubleAdder();
        private final AtomicLongArray buckets;

        Cell(int buckets) {
            this.buckets = new AtomicLongArray(buckets);
        }
    }
}
