package dev.tffashion.e2e.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tffashion.e2e.Jsons;
import dev.tffashion.e2e.PipelineProcesses;

/**
 * The bench's cost comparisons, run after its memory reading on the same pipeline (broker, topics, trained and served model), each
 * configuration measured the same way ({@link Lab#measure}: CPU per picture of the six processes at saturation, closed loop as
 * "Sustained throughput", then open-loop latency at a fixed rate):
 * <ul>
 *   <li>{@link #tracing}: issue 18's cost of tracing. The five services are restarted four times, tracing off, on, on, off,
 *       "on" exporting to file-drop's own OTLP receiver as {@code bin/tf-fashion up} runs them; target: tracing costs at most
 *       {@value #TRACING_TARGET_PERCENT} % of CPU per picture;</li>
 *   <li>{@link #shadow}: issue 16's cost of a challenger in shadow. A second recipe (the bench's recipe with another seed and
 *       {@code rollout: shadow}) is trained and served beside the live version; serve-manager runs with a promotion gate that
 *       waits for more shadow predictions than the run can make, so the challenger stays on trial while it is measured.</li>
 * </ul>
 */
final class CostSections {

    /** Issue 18: tracing costs at most this much of CPU per picture. */
    static final int TRACING_TARGET_PERCENT = 10;

    /**
     * The promotion gate's N while the bench runs with the shadow section (serving.rollout.shadow-predictions): far more shadow
     * predictions than a run makes, so the gate never decides during the measurement. It matters only for a challenger.
     */
    static final int SHADOW_GATE_PREDICTIONS = 1_000_000_000;

    private static final Duration TRAIN_AND_LOAD = Duration.ofMinutes(20);
    private static final Duration FIRST_SHADOW_PREDICTION = Duration.ofSeconds(90);
    /** The exporters send their spans in batches (every 5 s by default): how long to look for a picture's trace. */
    private static final Duration TRACE_EXPORTED = Duration.ofSeconds(30);
    private static final Duration TRACE_BATCH = Duration.ofSeconds(6);
    private static final Pattern SEED = Pattern.compile("(?m)^seed:\\s*(\\d+)\\s*$");

    private CostSections() {
    }

    /**
     * One configuration's figures: at saturation the throughput, CPU per picture of all six processes and of each, and failures
     * over the closed loop; at the fixed rate the latency from the due time (failures counted) and one predicted image's id.
     */
    record Figures(String label, double throughput, double cpuPerPicture, Map<String, Double> cpuPerProcess, String saturationFailures,
            double meanBatch, double rate, long due, Latency latency, String sampleImageId, String loadBefore) {

        /** The same figures under another row label. */
        Figures labelled(String other) {
            return new Figures(other, throughput, cpuPerPicture, cpuPerProcess, saturationFailures, meanBatch, rate, due, latency,
                sampleImageId, loadBefore);
        }
    }

    /** What the comparisons need from the bench. */
    interface Lab {

        /** Measures the pipeline as it runs now (saturation, then the fixed rate), with the comparison windows. */
        Figures measure(String label) throws Exception;

        /** Restarts the five services with these JVM options (same broker, ports and data) and waits until pictures are predicted. */
        void restart(Map<String, List<String>> jvmOptions) throws Exception;

        PipelineProcesses pipeline();

        /** The served model's name (GET /v1/rollout/{name}). */
        String modelName();

        /** The recipe the bench trained (the challenger is this recipe with another seed). */
        Path recipe();

        /** The bench's i-th picture (28x28 PNG). */
        byte[] picture(int i);

        /** How the figures are measured, in words (windows, pictures in flight, rate), for the sections' text. */
        String method();
    }

    /** A section's markdown, and its target row when it has one. */
    record Result(String markdown, String targetMeasured, boolean targetMet, Figures without) {
    }

    // ---- tracing ----------------------------------------------------------------------------------------------------------

    /**
     * Tracing off, on, on, off (ABBA), each row on services freshly restarted over the same broker and data, so that every row has
     * the same history (a restart, priming, the same windows) and a drift over the four rows (the broker's growing logs, the
     * machine) weighs on both configurations alike. The cost is the mean of the two "on" rows over the mean of the two "off" rows;
     * each pair's own ratio is shown beside it, so the spread between repetitions is in the section too.
     *
     * @param on  the services' JVM options with every service exporting to file-drop's receiver
     * @param off with tracing off; the services run with these afterwards
     */
    static Result tracing(Lab lab, Map<String, List<String>> on, Map<String, List<String>> off) throws Exception {
        var rows = new ArrayList<Figures>();
        var onRows = new ArrayList<Figures>();
        var offRows = new ArrayList<Figures>();
        String check = null;
        for (boolean traced : List.of(false, true, true, false)) {
            int row = rows.size() + 1;
            System.out.printf(Locale.ROOT, "bench: tracing cost, row %d of 4, restarting the services with tracing %s%n", row,
                traced ? "on (exporting to file-drop's receiver)" : "off");
            lab.restart(traced ? on : off);
            var figures = lab.measure((traced ? "tracing on" : "tracing off") + " (" + row + " of 4)");
            rows.add(figures);
            (traced ? onRows : offRows).add(figures);
            if (traced && check == null) {
                check = traceCheck(lab.pipeline(), figures);
            }
        }
        var text = new StringBuilder(String.format(Locale.ROOT, "The same pipeline (broker, topics and served model of the run), its"
            + " five services restarted four times over it, in the order off, on, on, off: tracing on as `bin/tf-fashion up` runs"
            + " them, every service exporting its spans over OTLP/HTTP to file-drop's own receiver (`quarkus.otel.sdk.disabled=false`,"
            + " `quarkus.otel.exporter.otlp.traces.endpoint=http://127.0.0.1:<file-drop port>`, the default sampler: every picture"
            + " traced), so file-drop's CPU includes receiving and keeping the spans; tracing off"
            + " (`quarkus.otel.sdk.disabled=true`, the services' default). After each restart, 60 pictures are predicted before the"
            + " windows. The ratio row divides the mean of the two \"on\" rows by the mean of the two \"off\" rows. %s%n%n",
            lab.method()));
        text.append(table(rows, "on / off (means)", onRows, offRows));
        text.append('\n').append(check);
        double offMean = mean(offRows, Figures::cpuPerPicture);
        double onMean = mean(onRows, Figures::cpuPerPicture);
        double overhead = onMean / offMean - 1;
        boolean measured = !Double.isNaN(overhead) && !Double.isInfinite(overhead);
        boolean met = measured && overhead <= TRACING_TARGET_PERCENT / 100.0;
        // the pairs as they ran: rows 2/1 (on after off) and rows 3/4 (on before off)
        String figure = measured ? String.format(Locale.ROOT, "%+.1f %% (mean of two rows each: %.3f ms off, %.3f ms on; by pair, rows"
            + " 2/1 %+.1f %%, rows 3/4 %+.1f %%)", 100 * overhead, offMean, onMean,
            100 * (onRows.get(0).cpuPerPicture() / offRows.get(0).cpuPerPicture() - 1),
            100 * (onRows.get(1).cpuPerPicture() / offRows.get(1).cpuPerPicture() - 1)) : "not measured (no predictions in a window)";
        text.append(String.format(Locale.ROOT, "%n| target (issue 18) | measured | result |%n|---|---|---|%n"
            + "| tracing costs ≤ %d %% of CPU per picture (all six processes, at saturation) | %s | %s |%n", TRACING_TARGET_PERCENT,
            figure, met ? "met" : "**NOT met**"));
        return new Result(text.toString(), figure, met, offRows.get(1));
    }

    /** The mean of a figure over rows; NaN when a row has none. */
    static double mean(List<Figures> rows, ToDoubleFunction<Figures> figure) {
        return rows.stream().mapToDouble(figure).average().orElse(Double.NaN);
    }

    /** Whether file-drop's receiver holds the trace of a picture of the traced window: its spans and their services. */
    private static String traceCheck(PipelineProcesses pipeline, Figures traced) {
        if (traced.sampleImageId() == null) {
            return "No picture of the traced window was accepted, so no trace was looked up.\n";
        }
        try {
            var uri = pipeline.fileDrop().resolve("/v1/predictions/" + traced.sampleImageId() + "/trace");
            var response = pipeline.get(uri);
            long deadline = System.nanoTime() + TRACE_EXPORTED.toNanos();
            while (response.statusCode() == 404 && System.nanoTime() < deadline) {
                Thread.sleep(500);
                response = pipeline.get(uri);
            }
            if (response.statusCode() == 200) {
                // the other services' spans of the picture may be one export batch behind the first ones
                Thread.sleep(TRACE_BATCH.toMillis());
                response = pipeline.get(uri);
            }
            if (response.statusCode() != 200) {
                return String.format(Locale.ROOT, "**The trace of the window's last picture (%s) is not in file-drop's receiver** %d s"
                    + " after its prediction: GET /v1/predictions/{id}/trace answered %d: %s%n", traced.sampleImageId(),
                    TRACE_EXPORTED.toSeconds(), response.statusCode(), response.body());
            }
            var spans = Jsons.read(response.body()).path("spans");
            var services = new TreeSet<String>();
            spans.forEach(span -> services.add(span.path("service").asText("?")));
            return String.format(Locale.ROOT, "Tracing was on: the window's last picture has its trace in file-drop's receiver (GET"
                + " /v1/predictions/{id}/trace): %d spans, from %s.%n", spans.size(), String.join(", ", services));
        } catch (IOException | RuntimeException e) {
            return "The trace of the window's last picture could not be read from file-drop: " + e + "\n";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while reading a trace\n";
        }
    }

    // ---- shadow -----------------------------------------------------------------------------------------------------------

    /**
     * Without a challenger (the given figures, or measured now), then with the bench's recipe under another seed and
     * {@code rollout: shadow} trained and held in shadow beside the live version.
     *
     * @param without the figures of the same configuration without a challenger, measured earlier in the run, or null
     * @param source  where {@code without} comes from, in words (when given)
     */
    static Result shadow(Lab lab, Figures without, String source) throws Exception {
        var pipeline = lab.pipeline();
        if (without == null) {
            without = lab.measure("without a challenger");
            source = "measured just before the challenger was dropped";
        } else {
            without = without.labelled("without a challenger");
        }
        var before = rollout(pipeline, lab.modelName());
        long liveBefore = before.path("liveVersion").asLong(-1);
        var recipe = challengerRecipe(Files.readString(lab.recipe(), StandardCharsets.UTF_8));
        var name = "shadow-challenger-" + lab.recipe().getFileName();
        System.out.printf(Locale.ROOT, "bench: shadow cost, dropping %s (%s)%n", name, recipe.replace('\n', ' ').trim());
        long dropped = System.nanoTime();
        pipeline.drop("scriptInput", name, recipe.getBytes(StandardCharsets.UTF_8));
        var trial = awaitTrial(pipeline, lab.modelName(), liveBefore);
        long challenger = trial.path("challengerVersion").asLong();
        System.out.printf(Locale.ROOT, "bench: shadow cost, version %d on trial in shadow beside version %d, %.0f s after the drop%n",
            challenger, liveBefore, (System.nanoTime() - dropped) / 1e9);
        awaitShadowPredictions(lab, challenger);
        var with = lab.measure("challenger in shadow");
        var after = rollout(pipeline, lab.modelName());
        var text = new StringBuilder(String.format(Locale.ROOT, "After the measurements above, a second recipe, `%s` with `%s` and"
                + " `rollout: shadow`, is dropped and trained through the pipeline; serve-manager loads it as version %d beside the live"
                + " version %d (labels `stable` and `canary`), and predict sends each batch to both, publishing the challenger's"
                + " answers on `tf-fashion.predict.shadow` only. serve-manager runs the whole bench with"
                + " `serving.rollout.shadow-predictions=%d`, so that the promotion gate cannot decide while it is measured (it matters"
                + " only for a challenger). Measured once the challenger was on trial (GET /v1/rollout/%s) and had answered in shadow."
                + " Without a challenger: %s. %s%n%n", PipelineProcesses.projectRoot().relativize(lab.recipe()), seedLine(recipe),
            challenger, liveBefore, SHADOW_GATE_PREDICTIONS, lab.modelName(), source, lab.method()));
        text.append(table(List.of(without, with), "with / without"));
        text.append('\n').append(rolloutSummary(after, challenger));
        return new Result(text.toString(), null, false, without);
    }

    /** The bench's recipe with another seed (its own plus one) and {@code rollout: shadow}. */
    static String challengerRecipe(String recipe) {
        var seed = SEED.matcher(recipe);
        long own = seed.find() ? Long.parseLong(seed.group(1)) : 42;
        var kept = recipe.replaceAll("(?m)^(seed|rollout):.*(\\R|$)", "");
        return kept + (kept.endsWith("\n") || kept.isEmpty() ? "" : "\n") + "seed: " + (own + 1) + "\nrollout: shadow\n";
    }

    private static String seedLine(String recipe) {
        var seed = SEED.matcher(recipe);
        return seed.find() ? "seed: " + seed.group(1) : "another seed";
    }

    private static JsonNode rollout(PipelineProcesses pipeline, String modelName) throws IOException, InterruptedException {
        var rollout = rolloutWhileInstalling(pipeline, modelName);
        if (rollout == null) {
            throw new IllegalStateException("GET /v1/rollout/" + modelName + " on file-drop answered 404: the serve task reports no"
                + " served model; see serve-manager's log " + pipeline.log("serve-manager"));
        }
        return rollout;
    }

    /**
     * GET /v1/rollout, or null while it answers 404 because the serve task's status has no rollout details (it reports others while
     * it installs a version).
     */
    private static JsonNode rolloutWhileInstalling(PipelineProcesses pipeline, String modelName) throws IOException,
            InterruptedException {
        var response = pipeline.get(pipeline.fileDrop().resolve("/v1/rollout/" + modelName));
        if (response.statusCode() == 404 && response.body().contains("no rollout reported")) {
            return null;
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET /v1/rollout/" + modelName + " on file-drop answered " + response.statusCode() + ": "
                + response.body());
        }
        return Jsons.read(response.body());
    }

    /** Waits until GET /v1/rollout names a challenger in shadow; fails at once when a new version went live or was rejected. */
    private static JsonNode awaitTrial(PipelineProcesses pipeline, String modelName, long liveBefore) throws Exception {
        long deadline = System.nanoTime() + TRAIN_AND_LOAD.toNanos();
        var decisionBefore = rollout(pipeline, modelName).path("lastDecision").toString();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            var now = rolloutWhileInstalling(pipeline, modelName);
            if (now == null) {
                Thread.sleep(1000);
                continue;
            }
            last = now;
            if (last.has("challengerVersion") && "shadow".equals(last.path("policy").asText())) {
                return last;
            }
            if (last.path("liveVersion").asLong(-1) != liveBefore) {
                throw new IllegalStateException("version " + last.path("liveVersion").asText() + " went live without a shadow trial: the"
                    + " recipe's rollout: shadow was not honoured; GET /v1/rollout/" + modelName + ": " + last);
            }
            if (!last.path("lastDecision").toString().equals(decisionBefore)) {
                throw new IllegalStateException("the challenger was decided on before it could be measured: " + last.path("lastDecision")
                    + "; serve-manager log " + pipeline.log("serve-manager"));
            }
            Thread.sleep(1000);
        }
        throw new IllegalStateException("no challenger in shadow within " + TRAIN_AND_LOAD.toMinutes() + " min of the recipe's drop;"
            + " last GET /v1/rollout/" + modelName + ": " + last + "; see the logs of learn and serve-manager: " + pipeline.log("learn")
            + ", " + pipeline.log("serve-manager"));
    }

    /** Drops pictures until serve-manager reports shadow predictions of the challenger (predict follows the endpoint). */
    private static void awaitShadowPredictions(Lab lab, long challenger) throws Exception {
        var pipeline = lab.pipeline();
        long deadline = System.nanoTime() + FIRST_SHADOW_PREDICTION.toNanos();
        for (int i = 0; System.nanoTime() < deadline; i++) {
            pipeline.drop("imageInput", "shadow-prime-" + i + ".png", lab.picture(i));
            var now = rolloutWhileInstalling(pipeline, lab.modelName());
            if (now != null && now.path("challengerVersion").asLong(-1) == challenger
                    && now.path("shadow").path("predictions").asLong(0) > 0) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("version " + challenger + " was on trial but serve-manager reported no shadow prediction within "
            + FIRST_SHADOW_PREDICTION.toSeconds() + " s of pictures; see the logs of predict and serve-manager: " + pipeline.log("predict")
            + ", " + pipeline.log("serve-manager"));
    }

    /** What GET /v1/rollout said after the measurement: still on trial, agreement overall and per class, p99 of both. */
    private static String rolloutSummary(JsonNode rollout, long challenger) {
        var text = new StringBuilder();
        boolean onTrial = rollout.path("challengerVersion").asLong(-1) == challenger;
        if (!onTrial) {
            text.append(String.format(Locale.ROOT, "**Version %d was no longer on trial after the measurement** (last decision: %s), so"
                + " the figures with a challenger may cover a window without one.%n%n", challenger, rollout.path("lastDecision")));
        }
        var shadow = rollout.path("shadow");
        var classes = new ArrayList<String>();
        shadow.path("agreementPerClass").fields().forEachRemaining(e -> classes.add(String.format(Locale.ROOT, "%s: %.1f %%", e.getKey(),
            100 * e.getValue().asDouble())));
        text.append(String.format(Locale.ROOT, "GET /v1/rollout/%s after the measurement (serve-manager's live figures of the trial, since"
                + " the challenger was loaded):%n%n| live version | challenger | policy | shadow predictions | agreement | live p99 Predict"
                + " | challenger p99 Predict | gate N | still on trial |%n|---|---|---|---|---|---|---|---|---|%n"
                + "| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n%nAgreement per class (the live version's class): %s.%n",
            rollout.path("modelName").asText(), rollout.path("liveVersion").asText("-"), rollout.path("challengerVersion").asText("-"),
            rollout.path("policy").asText("-"), shadow.path("predictions").asText("-"), percent(shadow.path("agreement")),
            millis(shadow.path("liveP99Millis")), millis(shadow.path("challengerP99Millis")), rollout.path("gate").path("shadowPredictions")
                .asText("-"), onTrial ? "yes" : "**no**", classes.isEmpty() ? "none reported" : String.join(", ", classes)));
        return text.toString();
    }

    private static String percent(JsonNode value) {
        return value.isNumber() ? String.format(Locale.ROOT, "%.2f %%", 100 * value.asDouble()) : "-";
    }

    private static String millis(JsonNode value) {
        return value.isNumber() ? Latency.format(value.asDouble()) : "-";
    }

    // ---- the table --------------------------------------------------------------------------------------------------------

    /** The configurations side by side, then the ratio of the last to the first. */
    static String table(List<Figures> rows, String ratioName) {
        return table(rows, ratioName, List.of(rows.get(rows.size() - 1)), List.of(rows.get(0)));
    }

    /** The configurations side by side, then the ratio of the mean of {@code over} to the mean of {@code under}. */
    static String table(List<Figures> rows, String ratioName, List<Figures> over, List<Figures> under) {
        var processes = new ArrayList<String>();
        rows.forEach(r -> r.cpuPerProcess().keySet().stream().filter(p -> !processes.contains(p)).forEach(processes::add));
        var rate = String.format(Locale.ROOT, "%.0f/s", rows.get(0).rate());
        var text = new StringBuilder("| | sustained pictures/s | CPU per picture, all six |");
        processes.forEach(p -> text.append(' ').append(p).append(" |"));
        text.append(" failures (saturation) | mean predict batch (saturation) | p50 at ").append(rate).append(" | p99 at ").append(rate)
            .append(" | drops due at ").append(rate).append(" / predicted / failures | load average (1 min) before |\n|---|---|---|")
            .append("---|".repeat(processes.size())).append("---|---|---|---|---|---|\n");
        for (var row : rows) {
            text.append(String.format(Locale.ROOT, "| %s | %.0f | **%s** |", row.label(), row.throughput(), ms(row.cpuPerPicture())));
            processes.forEach(p -> text.append(' ').append(ms(row.cpuPerProcess().getOrDefault(p, Double.NaN))).append(" |"));
            text.append(String.format(Locale.ROOT, " %s | %s | %s | %s | %d / %d / %s | %s |%n", row.saturationFailures(),
                Double.isNaN(row.meanBatch()) ? "-" : String.format(Locale.ROOT, "%.2f", row.meanBatch()), row.latency().at(50),
                row.latency().at(99), row.due(), row.latency().succeeded(), row.latency().failures(), row.loadBefore()));
        }
        text.append(String.format(Locale.ROOT, "| **%s** | %s | **%s** |", ratioName, ratio(mean(over, Figures::throughput),
            mean(under, Figures::throughput)), ratio(mean(over, Figures::cpuPerPicture), mean(under, Figures::cpuPerPicture))));
        processes.forEach(p -> text.append(' ').append(ratio(mean(over, r -> r.cpuPerProcess().getOrDefault(p, Double.NaN)),
            mean(under, r -> r.cpuPerProcess().getOrDefault(p, Double.NaN)))).append(" |"));
        text.append(String.format(Locale.ROOT, " | | %s | %s | | |%n", ratio(percentileMean(over, 50), percentileMean(under, 50)),
            ratio(percentileMean(over, 99), percentileMean(under, 99))));
        return text.toString();
    }

    /** The mean over rows of a latency percentile at the fixed rate; NaN when a row has no latency (all failed). */
    private static double percentileMean(List<Figures> rows, double percentile) {
        return mean(rows, r -> r.latency().millis(percentile).orElse(Double.NaN));
    }

    private static String ms(double millis) {
        return Double.isNaN(millis) ? "-" : String.format(Locale.ROOT, "%.3f ms", millis);
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b <= 0 ? "-" : String.format(Locale.ROOT, "%.2f×", a / b);
    }

    /** The busiest share of all cores a row may start on (over {@link #QUIET_SAMPLE}), and how long the bench waits for it. */
    static final double QUIET_BUSY = 0.20;
    static final Duration QUIET_SAMPLE = Duration.ofSeconds(2);
    static final Duration QUIET_WAIT = Duration.ofMinutes(3);

    /** The rule of {@link #awaitQuiet}, for the text of docs/benchmarks.md. */
    static String quietRule() {
        return String.format(Locale.ROOT, "at most %.0f %% of the CPU busy over %d s; at most %d min", QUIET_BUSY * 100,
            QUIET_SAMPLE.toSeconds(), QUIET_WAIT.toMinutes());
    }

    /**
     * Waits until the machine is quiet: at most {@link #QUIET_BUSY} of all cores busy over {@link #QUIET_SAMPLE} (/proc/stat), for
     * at most {@link #QUIET_WAIT}. A row that starts while a previous section's processes still work (RocksDB compactions, a broker
     * cleaning its logs, JVMs exiting) measures their CPU too. Says what it found.
     *
     * @param next what is about to start (for the message)
     */
    static String awaitQuiet(String next) throws InterruptedException {
        long deadline = System.nanoTime() + QUIET_WAIT.toNanos();
        long started = System.nanoTime();
        double busy;
        do {
            long[] before = cpuTicks();
            Thread.sleep(QUIET_SAMPLE.toMillis());
            long[] after = cpuTicks();
            long total = after[0] - before[0];
            busy = total <= 0 ? Double.NaN : (double) (after[1] - before[1]) / total;
        } while (!(Double.isNaN(busy) || busy <= QUIET_BUSY) && System.nanoTime() < deadline);
        String found = Double.isNaN(busy) ? "machine load unknown (/proc/stat unreadable)"
            : String.format(Locale.ROOT, "%.0f %% of the CPU busy after %.0f s of waiting%s", 100 * busy,
                (System.nanoTime() - started) / 1e9, busy <= QUIET_BUSY ? "" : " (not quiet: the wait's bound)");
        System.out.println("bench: before " + next + ", " + found);
        return found;
    }

    /** All cores' ticks from /proc/stat: {total, busy} (busy = total - idle - iowait); zeros when unreadable. */
    private static long[] cpuTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                total += Long.parseLong(f[i]);
            }
            return new long[] {total, total - Long.parseLong(f[4]) - Long.parseLong(f[5])};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** The 1-minute load average now, from /proc/loadavg ("unknown" when unreadable). */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** CPU per picture of each pipeline process over a window (the bench JVM left out). */
    static Map<String, Double> perProcess(Cpu.Window window, long pictures) {
        var map = new LinkedHashMap<String, Double>();
        if (window != null && pictures > 0) {
            window.cpuNanos().forEach((process, nanos) -> {
                if (!process.equals(Cpu.BENCH)) {
                    map.put(process, nanos / 1e6 / pictures);
                }
            });
        }
        return map;
    }
}
