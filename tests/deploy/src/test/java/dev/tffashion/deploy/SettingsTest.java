package dev.tffashion.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every setting deploy/ passes to the services names a property they read: each environment variable maps to a
 * {@code @ConfigMapping} property (prefix and method names) declared under services/ or libs/, so a renamed property
 * fails here instead of being silently ignored in a cluster.
 */
class SettingsTest {

    /**
     * Settings that are not in a {@code @ConfigMapping}: SmallRye Kafka's own property, and Quarkus OpenTelemetry's switch and
     * trace endpoint (docs/observability.md).
     */
    static final Set<String> PLAIN_PROPERTIES = Set.of("KAFKA_BOOTSTRAP_SERVERS", "QUARKUS_OTEL_SDK_DISABLED",
        "QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");

    private static final Pattern MAPPING = Pattern.compile("@ConfigMapping\\(\\s*prefix\\s*=\\s*\"([^\"]+)\"");
    private static final Pattern METHOD = Pattern.compile("(?m)^\\s+(?:@\\w+(?:\\([^)]*\\))?\\s+)*[\\w<>?,. \\[\\]]+\\s+(\\w+)\\(\\)\\s*;");
    private static final Pattern WITH_NAME = Pattern.compile("@WithName\\(\"([^\"]+)\"\\)\\s+[\\w<>?,. \\[\\]]+\\s+(\\w+)\\(\\)");

    @Test
    void kustomizeSettingsAreReadByTheServices() {
        assertKnown("deploy/k8s/settings.env", envFile(Manifests.read(Manifests.KUSTOMIZE_BASE.resolve("settings.env"))).keySet());
    }

    @Test
    void helmSettingsAreTheKustomizeSettings() {
        JsonNode values = Manifests.documents(Manifests.read(Manifests.CHART.resolve("values.yaml"))).get(0);
        Map<String, String> settings = new TreeMap<>();
        values.path("settings").fields().forEachRemaining(e -> settings.put(e.getKey(), e.getValue().asText()));
        assertEquals(new TreeMap<>(envFile(Manifests.read(Manifests.KUSTOMIZE_BASE.resolve("settings.env")))), settings,
                "values.yaml settings and deploy/k8s/settings.env say the same");
    }

    @Test
    void composeSettingsAreReadByTheServices() {
        String compose = Manifests.read(Manifests.ROOT.resolve("deploy/compose.yaml"));
        Set<String> keys = new HashSet<>();
        Matcher m = Pattern.compile("(?m)^      ((?:TF_FASHION|SERVING|KAFKA_BOOTSTRAP|FILE_DROP)[A-Z_]*):").matcher(compose);
        while (m.find()) {
            keys.add(m.group(1));
        }
        Matcher shared = Pattern.compile("(?m)^  ((?:TF_FASHION|SERVING|KAFKA_BOOTSTRAP|FILE_DROP)[A-Z_]*):").matcher(compose);
        while (shared.find()) {
            keys.add(shared.group(1));
        }
        assertTrue(keys.contains("SERVING_MODE") && keys.contains("TF_FASHION_STORE_ROOT"), "found the settings: " + keys);
        assertKnown("deploy/compose.yaml", keys);
    }

    private static void assertKnown(String where, Set<String> keys) {
        Map<String, Set<String>> mappings = mappings();
        List<String> unknown = new ArrayList<>();
        for (String key : keys) {
            if (!PLAIN_PROPERTIES.contains(key) && !known(key, mappings)) {
                unknown.add(key);
            }
        }
        assertTrue(unknown.isEmpty(), where + " sets " + unknown + ", which no @ConfigMapping under services/ or libs/ reads "
                + "(grep -r ConfigMapping services/ libs/): rename it there, or drop it");
    }

    /** Whether the variable is a prefix's env name followed by a chain of that mapping's method names. */
    private static boolean known(String key, Map<String, Set<String>> mappings) {
        for (var mapping : mappings.entrySet()) {
            String prefix = env(mapping.getKey()) + "_";
            if (key.startsWith(prefix) && chain(key.substring(prefix.length()), mapping.getValue())) {
                return true;
            }
        }
        return false;
    }

    private static boolean chain(String rest, Set<String> names) {
        if (names.contains(rest)) {
            return true;
        }
        for (String name : names) {
            if (rest.startsWith(name + "_") && chain(rest.substring(name.length() + 1), names)) {
                return true;
            }
        }
        return false;
    }

    /** Prefix of each {@code @ConfigMapping} to the env names of the methods its file declares (nested interfaces too). */
    private static Map<String, Set<String>> mappings() {
        Map<String, Set<String>> mappings = new HashMap<>();
        for (String tree : List.of("services", "libs")) {
            try (Stream<Path> files = Files.walk(Manifests.ROOT.resolve(tree))) {
                files.filter(f -> f.toString().endsWith(".java") && f.toString().contains("/src/main/java/")).forEach(file -> {
                    String source = Manifests.read(file);
                    Matcher prefix = MAPPING.matcher(source);
                    if (!prefix.find()) {
                        return;
                    }
                    Set<String> names = mappings.computeIfAbsent(prefix.group(1), p -> new HashSet<>());
                    Matcher method = METHOD.matcher(source);
                    while (method.find()) {
                        names.add(env(kebab(method.group(1))));
                    }
                    Matcher renamed = WITH_NAME.matcher(source);
                    while (renamed.find()) {
                        names.add(env(renamed.group(1)));
                    }
                });
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        assertTrue(mappings.containsKey("tf-fashion") && mappings.containsKey("serving"),
                "found the pipeline's and the serve-manager's @ConfigMapping: " + mappings.keySet());
        return mappings;
    }

    private static Map<String, String> envFile(String text) {
        Map<String, String> entries = new HashMap<>();
        for (String line : text.split("\n")) {
            String trimmed = line.trim();
            if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                int eq = trimmed.indexOf('=');
                entries.put(trimmed.substring(0, eq), trimmed.substring(eq + 1));
            }
        }
        return entries;
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    private static String env(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }
}
