package dev.tffashion.modelserver;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TF Serving's BatchingParameters ({@code --batching_parameters_file}, protobuf text format), the fields this server
 * honours: {@code max_batch_size}, {@code batch_timeout_micros}, {@code num_batch_threads}, {@code max_enqueued_batches},
 * {@code allowed_batch_sizes}. {@code thread_pool_name} and {@code pad_variable_length_inputs} are accepted and ignored.
 * Defaults are TF Serving's scheduler defaults (1000, 0, the number of cores, 10).
 */
record BatchingParameters(int maxBatchSize, long batchTimeoutMicros, int numBatchThreads, int maxEnqueuedBatches,
                          List<Integer> allowedBatchSizes) {

    private static final Pattern FIELD = Pattern.compile(
        "([A-Za-z_][A-Za-z0-9_]*)\\s*(?::\\s*([^\\s{}]+)|\\{\\s*value\\s*:\\s*([^\\s{}]+)\\s*})\\s*[,;]?");
    private static final Set<String> IGNORED = Set.of("thread_pool_name", "pad_variable_length_inputs",
        "enable_large_batch_splitting", "batch_padding_policy");

    BatchingParameters {
        if (maxBatchSize < 1 || numBatchThreads < 1 || maxEnqueuedBatches < 1 || batchTimeoutMicros < 0) {
            throw new IllegalArgumentException("Batching parameters must be positive: max_batch_size " + maxBatchSize
                + ", num_batch_threads " + numBatchThreads + ", max_enqueued_batches " + maxEnqueuedBatches
                + ", batch_timeout_micros " + batchTimeoutMicros + " (>= 0)");
        }
        allowedBatchSizes = List.copyOf(allowedBatchSizes);
        for (int i = 0; i < allowedBatchSizes.size(); i++) {
            if (allowedBatchSizes.get(i) < 1 || (i > 0 && allowedBatchSizes.get(i) <= allowedBatchSizes.get(i - 1))) {
                throw new IllegalArgumentException("allowed_batch_sizes entries must be positive and monotonically increasing: "
                    + allowedBatchSizes);
            }
        }
        if (!allowedBatchSizes.isEmpty() && allowedBatchSizes.get(allowedBatchSizes.size() - 1) != maxBatchSize) {
            throw new IllegalArgumentException("max_batch_size (" + maxBatchSize + ") must be equal to the last entry of"
                + " allowed_batch_sizes " + allowedBatchSizes);
        }
    }

    /** TF Serving's defaults, used by --enable_batching without --batching_parameters_file. */
    static BatchingParameters defaults() {
        return new BatchingParameters(1000, 0, Runtime.getRuntime().availableProcessors(), 10, List.of());
    }

    /**
     * Parses a BatchingParameters text proto, e.g. {@code max_batch_size { value: 128 } batch_timeout_micros { value: 0 }}.
     *
     * @throws IllegalArgumentException naming the field that is unknown or has a bad value
     */
    static BatchingParameters parse(String text) {
        String body = text.replaceAll("#[^\\n]*", "").trim();
        int maxBatchSize = 1000;
        long timeout = 0;
        int threads = Runtime.getRuntime().availableProcessors();
        int enqueued = 10;
        List<Integer> allowed = new ArrayList<>();
        Matcher m = FIELD.matcher(body);
        int at = 0;
        while (at < body.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("Cannot parse the batching parameters at '" + abbreviate(body.substring(at))
                    + "': expected name { value: N } or name: N");
            }
            String name = m.group(1);
            String value = (m.group(2) != null ? m.group(2) : m.group(3)).replace("\"", "");
            switch (name) {
                case "max_batch_size" -> maxBatchSize = (int) number(name, value);
                case "batch_timeout_micros" -> timeout = number(name, value);
                case "num_batch_threads" -> threads = (int) number(name, value);
                case "max_enqueued_batches" -> enqueued = (int) Math.min(Integer.MAX_VALUE, number(name, value));
                case "allowed_batch_sizes" -> allowed.add((int) number(name, value));
                default -> {
                    if (!IGNORED.contains(name)) {
                        throw new IllegalArgumentException("Unknown batching parameter '" + name + "'; known: max_batch_size,"
                            + " batch_timeout_micros, num_batch_threads, max_enqueued_batches, allowed_batch_sizes");
                    }
                }
            }
            at = m.end();
            while (at < body.length() && Character.isWhitespace(body.charAt(at))) {
                at++;
            }
        }
        return new BatchingParameters(maxBatchSize, timeout, threads, enqueued, allowed);
    }

    private static long number(String name, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Batching parameter " + name + " takes a whole number, got '" + value + "'");
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }
}
