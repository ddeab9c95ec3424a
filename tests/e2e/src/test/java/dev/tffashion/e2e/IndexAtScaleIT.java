package dev.tffashion.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * Index at scale, small: {@value #DEFAULT_VALUES} predictions (-De2e.index-values) put straight on the topic, then a file-drop
 * with an empty state directory must get ready, read every value into its stores, answer {@code GET /v1/predictions/{image}} for
 * the first and the last image (every answer checked) within its 512 MiB heap, and, killed with {@code kill -9}, be ready again
 * from its kept stores. Its times are printed, not asserted: the targets (ready within 60 s, p99 ≤ 50 ms with 1,000,000 values)
 * are the bench's (bin/tf-fashion bench --index-values), measured on a quiet machine.
 */
class IndexAtScaleIT {

    private static final int DEFAULT_VALUES = 2000;

    @Test
    void aFreshFileDropReadsEveryValueIntoItsStoresAndAnswersTheFirstAndLastImage() throws Exception {
        int values = Integer.getInteger("e2e.index-values", DEFAULT_VALUES);
        Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath().normalize(), "index-at-scale-");
        IndexAtScale.Result result = IndexAtScale.measure(work, values);
        System.out.println(IndexAtScale.markdown(result));

        assertTrue(result.maxHeapBytes() > 0 && result.maxHeapBytes() <= 512L * 1024 * 1024,
            "heap used " + result.maxHeapBytes() + " bytes, target 512 MiB (0: never sampled)");
        assertTrue(result.restoreLine().contains("(" + values + " records read"),
            "the cold start read every generated value into its stores: " + result.restoreLine());
        assertTrue(result.stateDirBytes() > 0, "the index is on disk, in its state directory");
    }
}
