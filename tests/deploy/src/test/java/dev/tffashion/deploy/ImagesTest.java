package dev.tffashion.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The images: one Dockerfile per service, non-root with a health check, and every tag in deploy/ on the Maven project version. */
class ImagesTest {

    static final String VERSION = System.getProperty("project.version");
    static final String FIX = " - the Maven project version is " + VERSION + ": run deploy/sync-version.sh";

    @Test
    void composeTagFollowsTheProjectVersion() {
        Matcher m = Pattern.compile("(?m)^TF_FASHION_VERSION=(.*)$").matcher(Manifests.read(Manifests.ROOT.resolve("deploy/.env")));
        assertTrue(m.find(), "deploy/.env sets TF_FASHION_VERSION");
        assertEquals(VERSION, m.group(1).trim(), "deploy/.env TF_FASHION_VERSION" + FIX);
    }

    @Test
    void kustomizeImagesFollowTheProjectVersion() {
        JsonNode kustomization = Manifests.documents(Manifests.read(Manifests.KUSTOMIZE_BASE.resolve("kustomization.yaml"))).get(0);
        assertEquals(Hardening.SERVICES.size(), kustomization.path("images").size(), "one images: entry per service");
        for (JsonNode image : kustomization.path("images")) {
            assertTrue(Hardening.SERVICES.contains(image.path("name").asText().replace("tf-fashion/", "")), image.toString());
            assertEquals(VERSION, image.path("newTag").asText(), "deploy/k8s/kustomization.yaml " + image.path("name").asText() + FIX);
        }
    }

    @Test
    void chartFollowsTheProjectVersion() {
        JsonNode chart = Manifests.documents(Manifests.read(Manifests.CHART.resolve("Chart.yaml"))).get(0);
        assertEquals(VERSION, chart.path("appVersion").asText(), "Chart.yaml appVersion" + FIX);
        assertEquals(VERSION, chart.path("version").asText(), "Chart.yaml version" + FIX);
    }

    @Test
    void everyServiceHasANonRootDockerfileWithAHealthCheckAndABaseImageArgument() {
        for (String name : Hardening.SERVICES) {
            Path dockerfile = Manifests.ROOT.resolve("services/" + name + "/src/main/docker/Dockerfile.jvm");
            assertTrue(Files.isRegularFile(dockerfile), dockerfile + " exists");
            String text = Manifests.read(dockerfile);
            assertTrue(text.contains("ARG BASE_IMAGE="), name + ": the base image is a build argument");
            assertTrue(text.contains("FROM ${BASE_IMAGE}"), name + ": built FROM ${BASE_IMAGE}");
            assertTrue(Pattern.compile("(?m)^USER 185\\b").matcher(text).find(), name + ": runs as uid 185");
            assertTrue(Pattern.compile("(?m)^HEALTHCHECK .*").matcher(text).find() && text.contains("/q/health/ready"),
                    name + ": HEALTHCHECK on /q/health/ready");
            assertTrue(text.contains("COPY target/quarkus-app/"), name + ": Quarkus fast-jar layout");
            assertTrue(text.contains("QUARKUS_HTTP_PORT=8080") && text.contains("EXPOSE 8080"),
                    name + ": serves on 8080, the port of the probes, Services and compose");
            assertTrue(Files.isRegularFile(Manifests.ROOT.resolve("services/" + name + "/jvm.options")), name + ": jvm.options exists");
            assertTrue(text.contains("COPY jvm.options /deployments/jvm.options") && text.contains("exec java @/deployments/jvm.options"),
                    name + ": the image starts the JVM with the service's jvm.options, as bin/tf-fashion does");
        }
        String learn = Manifests.read(Manifests.ROOT.resolve("services/learn/src/main/docker/Dockerfile.jvm"));
        assertTrue(learn.contains("dataset-fashion-mnist") && learn.contains("/usr/share/datasets/fashion-mnist"),
                "the learn image carries Fashion-MNIST at /usr/share/datasets/fashion-mnist");
    }
}
