package dev.tffashion.modelserver;

import java.math.BigDecimal;
import java.math.MathContext;
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
 * The metrics TF Serving exports, under its names and labels, in Prometheus text format (its
 * {@code --monitoring_config_file} endpoint): requests by model and status, request latency by model, API and
 * entrypoint, SavedModel load attempts and latency, warm-up latency and the batch sizes the batching scheduler ran.
 * Latencies are in microseconds with TF Serving's exponential buckets (10 * 1.8^i, 33 buckets).
 */
final class ServingMetrics {

    static final String REQUEST_COUNT = "/tensorflow/serving/request_count";
    static final String REQUEST_LATENCY = "/tensorflow/serving/request_latency";
    static final String LOAD_ATTEMPT_COUNT = "/tensorflow/cc/saved_model/load_attempt_count";
    static final String LOAD_LATENCY = "/tensorflow/cc/saved_model/load_latency";
    static final String WARMUP_LATENCY = "/tensorflow/serving/model_warmup_latency";
    static final String BATCH_SIZE = "/tensorflow/serving/batching/processed_batch_size";

    private static final double[] LATENCY_BUCKETS = exponential(10, 1.8, 33);
    private static final double[] BATCH_BUCKETS = exponential(1, 2, 15);

    /** metric name -> its cells (label values -> value), printed in name order as TF Serving does. */
    private final Map<String, Family> families = new ConcurrentSkipListMap<>();

    ServingMetrics() {
        family(REQUEST_COUNT, "counter", null, "model_name", "status");
        family(REQUEST_LATENCY, "histogram", LATENCY_BUCKETS, "model_name", "API", "entrypoint");
        family(LOAD_ATTEMPT_COUNT, "counter", null, "model_path", "status");
        family(LOAD_LATENCY, "counter", null, "model_path");
        family(WARMUP_LATENCY, "histogram", LATENCY_BUCKETS, "model_path");
        family(BATCH_SIZE, "histogram", BATCH_BUCKETS, "model_name");
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

    void batch(String modelName, int size) {
        families.get(BATCH_SIZE).observe(List.of(modelName), size);
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

    /** A number as absl::StrCat prints a double: up to 6 significant digits, no trailing zeros. */
    static String number(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            long whole = (long) value;
            if (Math.abs(whole) < 1_000_000) {
                return Long.toString(whole);
            }
        }
        BigDecimal rounded = new BigDecimal(value).round(new MathContext(6)).stripTrailingZeros();
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent < -5 || exponent >= 6) {
            BigDecimal mantissa = rounded.movePointLeft(exponent);
            return mantissa.toPlainString() + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        return rounded.toPlainString();
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
