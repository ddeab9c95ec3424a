package dev.tffashion.learn.python;

import java.nio.file.Path;

/**
 * One Python training script to run: {@code <command> <script> <outputDir>} in {@code workDir}.
 *
 * @param valueId the dropped script's value id (for logs and labels)
 * @param modelId the id the model value will have (names the Job and the work folder)
 */
public record ScriptRun(String valueId, String modelId, Path workDir, Path script, Path outputDir) {
}
