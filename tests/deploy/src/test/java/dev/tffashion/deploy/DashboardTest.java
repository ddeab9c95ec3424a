package dev.tffashion.deploy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard (deploy/grafana) passes its schema and lint check (dashboard-check.mjs, ajv), every metric it names is
 * one the services register, and every Micrometer meter of the services is under the one prefix {@code tffashion.}.
 */
class DashboardTest {

    private static final Path PACKAGE = Manifests.ROOT.resolve("tests/deploy");
    private static final Path DASHBOARDS = Manifests.ROOT.resolve("deploy/grafana");
    /** A meter name given to Micrometer in the sources: builders and the registry's shortcuts. */
    private static final Pattern METER = Pattern.compile(
        "(?:Counter|Timer|DistributionSummary|Gauge|FunctionCounter|FunctionTimer|LongTaskTimer)\\.builder\\(\\s*\"([^\"]+)\""
            + "|registry\\.(?:counter|timer|gauge|summary)\\(\\s*\"([^\"]+)\"");
    /** The task runtime's meters, named {@code tffashion.<task>.<name>} (TaskRunner). */
    private static final Pattern TASK_METER = Pattern.compile(
        "^tffashion_(imageconvert|predict|learn|serve|imageinput|scriptinput)_(consumed|produced|refused|publish_retries|batch_size|work)"
            + "(_seconds)?(_total|_bucket|_count|_sum|_max)?$");

    @BeforeAll
    static void installAjv() {
        if (!Files.isDirectory(PACKAGE.resolve("node_modules/ajv"))) {
            Manifests.run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", PACKAGE.toString()),
                "npm (apt-get install npm): it installs ajv, the JSON Schema validator of the dashboard check");
        }
    }

    @Test
    void theDashboardPassesItsSchemaAndLintAndNamesOnlyMetricsTheServicesRegister() throws IOException {
        List<String> command = new ArrayList<>(List.of("node", PACKAGE.resolve("dashboard-check.mjs").toString()));
        try (Stream<Path> files = Files.list(DASHBOARDS)) {
            files.filter(f -> f.toString().endsWith(".json")).sorted().forEach(f -> command.add(f.toString()));
        }
        assertTrue(command.size() > 2, "deploy/grafana holds the dashboard JSON");
        String out = Manifests.run(command, "node (apt-get install nodejs)");
        Set<String> registered = registeredMeters();
        List<String> unknown = new ArrayList<>();
        for (String metric : out.strip().split("\\R")) {
            if (!metric.isBlank() && !TASK_METER.matcher(metric).matches() && !registered.contains(base(metric))) {
                unknown.add(metric);
            }
        }
        assertTrue(unknown.isEmpty(), "the dashboard names metrics no service registers: " + unknown + " (registered: " + registered + ")");
    }

    @Test
    void theCheckRefusesAMetricOutsideThePrefixScheme() throws IOException {
        Path wrong = Files.createTempFile("dashboard", ".json");
        String dashboard = Files.readString(DASHBOARDS.resolve("tf-fashion.json")).replace("tffashion_predict_call_latency_seconds_bucket",
            "predict_latency_seconds_bucket");
        Files.writeString(wrong, dashboard);
        String message = assertThrows(AssertionError.class, () -> Manifests.run(List.of("node", PACKAGE.resolve("dashboard-check.mjs")
            .toString(), wrong.toString()), "node")).getMessage();
        assertTrue(message.contains("\"predict_latency_seconds_bucket\" is neither a tffashion_ metric"), message);
        Files.delete(wrong);
    }

    @Test
    void everyMeterOfTheServicesIsUnderTheOnePrefix() throws IOException {
        Set<String> outside = new TreeSet<>();
        for (String name : meterNames()) {
            if (!name.startsWith("tffashion.")) {
                outside.add(name);
            }
        }
        assertFalse(meterNames().isEmpty(), "meters found in the sources");
        assertTrue(outside.isEmpty(), "Micrometer meters outside the tffashion. prefix (Prometheus tffashion_*): " + outside);
    }

    /** The Prometheus names of the meters in the sources, without the type suffixes. */
    private static Set<String> registeredMeters() throws IOException {
        Set<String> names = new TreeSet<>();
        for (String name : meterNames()) {
            names.add(name.replace('.', '_'));
        }
        return names;
    }

    private static String base(String metric) {
        return metric.replaceAll("(_seconds)?(_total|_bucket|_count|_sum|_max)$", "");
    }

    private static Set<String> meterNames() throws IOException {
        Set<String> names = new TreeSet<>();
        for (String tree : List.of("services", "libs")) {
            try (Stream<Path> files = Files.walk(Manifests.ROOT.resolve(tree))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java") && f.toString().contains("/src/main/")).toList()) {
                    Matcher m = METER.matcher(Files.readString(file));
                    while (m.find()) {
                        names.add(m.group(1) != null ? m.group(1) : m.group(2));
                    }
                }
            }
        }
        return names;
    }
}
