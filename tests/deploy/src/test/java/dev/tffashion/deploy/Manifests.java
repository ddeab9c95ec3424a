package dev.tffashion.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/** Renders deploy/k8s (kubectl kustomize) and deploy/helm/tf-fashion (Helm) and reads the objects with fabric8's model. */
final class Manifests {

    static final Path ROOT = Path.of(System.getProperty("tffashion.root", "../..")).toAbsolutePath().normalize();
    static final Path KUSTOMIZE_BASE = ROOT.resolve("deploy/k8s");
    static final Path CHART = ROOT.resolve("deploy/helm/tf-fashion");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private Manifests() {
    }

    /** {@code kubectl kustomize <dir>}: the rendered YAML stream. */
    static String kustomize(Path dir) {
        return run(List.of("kubectl", "kustomize", dir.toString()), "kubectl (install it: it ships kustomize)");
    }

    /** {@code helm template tf-fashion deploy/helm/tf-fashion -n <namespace> --set ...}, by Helm's own library. */
    static String helmTemplate(String namespace, Map<String, Object> values) {
        var command = new Helm(CHART).template().withName("tf-fashion").withNamespace(namespace);
        values.forEach(command::set);
        return command.call();
    }

    /** Every document of a YAML stream, as typed fabric8 objects; fails on a kind fabric8's model does not know. */
    static List<HasMetadata> typed(String yaml) {
        return typed(documents(yaml));
    }

    /** The documents as typed fabric8 objects; fails on a kind fabric8's model does not know. */
    static List<HasMetadata> typed(List<JsonNode> documents) {
        List<HasMetadata> objects = new ArrayList<>();
        for (JsonNode document : documents) {
            KubernetesResource resource = SERIALIZATION.unmarshal(document.toString());
            String kind = document.path("kind").asText();
            if (resource instanceof GenericKubernetesResource || !(resource instanceof HasMetadata typed)) {
                throw new AssertionError("fabric8's model has no class for " + document.path("apiVersion").asText() + " " + kind
                        + " (" + document.path("metadata").path("name").asText() + "): a typo in apiVersion or kind?");
            }
            if (!typed.getClass().getSimpleName().equals(kind)) {
                throw new AssertionError(kind + " was read as " + typed.getClass().getName());
            }
            List<String> unknown = new ArrayList<>();
            unknownFields(typed, kind + "/" + typed.getMetadata().getName(), unknown, new IdentityHashMap<>());
            if (!unknown.isEmpty()) {
                throw new AssertionError("fields the Kubernetes API does not define (typos?): " + unknown);
            }
            objects.add(typed);
        }
        return objects;
    }

    /** Every document of a YAML stream as a tree (for kinds fabric8 has no model of, such as Strimzi's). */
    static List<JsonNode> documents(String yaml) {
        List<JsonNode> documents = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(yaml)) {
            var iterator = YAML.readValues(parser, JsonNode.class);
            while (iterator.hasNext()) {
                JsonNode node = iterator.next();
                if (node instanceof ObjectNode && node.size() > 0) {
                    documents.add(node);
                }
            }
        } catch (IOException e) {
            throw new AssertionError("not YAML: " + e.getMessage(), e);
        }
        return documents;
    }

    /** "Kind/name" of each object, sorted. */
    static Set<String> kindsAndNames(Collection<? extends HasMetadata> objects) {
        Set<String> names = new TreeSet<>();
        objects.forEach(o -> names.add(o.getKind() + "/" + o.getMetadata().getName()));
        return names;
    }

    static <T extends HasMetadata> List<T> ofKind(List<HasMetadata> objects, Class<T> kind) {
        return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    static <T extends HasMetadata> T named(List<HasMetadata> objects, Class<T> kind, String name) {
        return ofKind(objects, kind).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind.getSimpleName() + " named " + name));
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Copies a folder with everything under it into {@code to}, which may exist. */
    static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }

    /** Runs a command in the project root; its standard output, or an error with its standard error. */
    static String run(List<String> command, String whatToInstall) {
        return run(command, Map.of(), whatToInstall);
    }

    /** Runs a command in the project root with extra environment variables; its standard output, or an error. */
    static String run(List<String> command, Map<String, String> environment, String whatToInstall) {
        try {
            Path err = Files.createTempFile("deploy-test", ".err");
            ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectError(err.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish in 120 s");
            }
            String stderr = Files.readString(err);
            Files.delete(err);
            if (process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n" + stderr);
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command.get(0) + " - " + whatToInstall + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** Collects every field that landed in a model object's additionalProperties: the API does not know it. */
    private static void unknownFields(Object object, String where, List<String> unknown, Map<Object, Boolean> seen) {
        if (object == null || seen.put(object, Boolean.TRUE) != null) {
            return;
        }
        if (object instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, where + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (object instanceof Map<?, ?> map) {
            map.forEach((key, value) -> unknownFields(value, where + "." + key, unknown, seen));
            return;
        }
        if (!object.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : object.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(object);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(where + " " + extra.keySet());
                }
            } else {
                String field = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
                unknownFields(value, where + "." + field, unknown, seen);
            }
        }
    }
}
