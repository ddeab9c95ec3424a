package dev.tffashion.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * Index at scale, small: {@value #DEFAULT_VALUES} predictions (-De2e.index-values) put straight on the topic, then a file-drop
 * with an empty state directory must be ready within 60 s, answer {@code GET /v1/predictions/{image}} for the first and the last
 * image (every answer checked) with p99 ≤ 50 ms, within its 512 MiB heap; and, killed with {@code kill -9}, be ready again from
 * its kept stores. The bench runs the same with 1,000,000 values (bin/tf-fashion bench --index-values).
 */
class IndexAtScaleIT {

    private static final int DEFAULT_VALUES = 2000;

    @Test
    void aFreshFileDropIsReadyWithinAMinuteAndAnswersTheFirstAndLastImageQuickly() throws Exception {
        int values = Integer.getInteger("e2e.index-values", DEFAULT_VALUES);
        Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath().normalize(), "index-at-scale-");
        IndexAtScale.Result result = IndexAtScale.measure(work, values);
        System.out.println(IndexAtScale.markdown(result));

        assertTrue(result.readySeconds() <= 60, "ready in " + result.readySeconds() + " s, target 60 s");
        assertTrue(result.first().p99() <= 50, "first image p99 " + result.first().p99() + " ms, target 50 ms");
        assertTrue(result.last().p99() <= 50, "last image p99 " + result.last().p99() + " ms, target 50 ms");
        assertTrue(result.maxHeapBytes() > 0 && result.maxHeapBytes() <= 512L * 1024 * 1024,
            "heap used " + result.maxHeapBytes() + " bytes, target 512 MiB (0: never sampled)");
        assertTrue(result.restoreLine().contains("(" + values + " records read"),
            "the cold start read every generated value into its stores: " + result.restoreLine());
        assertTrue(result.stateDirBytes() > 0, "the index is on disk, in its state directory");
    }
}
