package dev.tffashion.e2e.bench;

import java.nio.file.Path;
import java.util.Map;

import dev.tffashion.e2e.PipelineProcesses;
import dev.tffashion.e2e.TestImages;

/**
 * A section of docs/benchmarks.md measured by another class than {@link Bench} (for example TF Serving's batching). Bench runs
 * each one listed in {@code Bench.EXTRA_SECTIONS} after its own measurements, with the pipeline idle, and writes the markdown
 * it returns under its title. A section that throws is written as "not measured" with the reason.
 */
interface BenchSection {

    /** The section's heading (without "##"). */
    String title();

    /** Measures and returns the section's markdown. */
    String measure(Context context) throws Exception;

    /**
     * What a section may use: the running pipeline, the served model (gRPC target, name, version, SavedModel folder), the
     * test images, the bench's options (--name value, without the dashes) and the CPU clock of the processes.
     */
    record Context(PipelineProcesses pipeline, String grpcTarget, String modelName, String modelVersion, Path modelDir,
            TestImages images, Map<String, String> options, Cpu cpu) {
    }
}
