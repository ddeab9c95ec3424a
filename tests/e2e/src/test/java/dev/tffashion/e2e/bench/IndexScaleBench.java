package dev.tffashion.e2e.bench;

import java.nio.file.Files;

import dev.tffashion.e2e.IndexAtScale;
import dev.tffashion.e2e.PipelineProcesses;

/**
 * The index-at-scale section of the bench (issue 14): {@code --index-values} (default 1,000,000) predictions on the topic, then a
 * fresh file-drop's time to ready, the latency of the first and last image's prediction, and its heap ({@link IndexAtScale}).
 */
final class IndexScaleBench implements BenchSection {

    static BenchSection section() {
        return new IndexScaleBench();
    }

    @Override
    public String title() {
        return "Index at scale: file-drop's read model";
    }

    @Override
    public String measure(Context context) throws Exception {
        int values = Integer.parseInt(context.options().getOrDefault("index-values", "1000000"));
        var work = Files.createTempDirectory(PipelineProcesses.projectRoot().resolve("tests/e2e/target").toAbsolutePath(),
            "bench-index-");
        return IndexAtScale.markdown(IndexAtScale.measure(work, values));
    }
}
