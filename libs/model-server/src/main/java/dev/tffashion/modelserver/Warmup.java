package dev.tffashion.modelserver;

import dev.tffashion.tfservingapi.WarmupRecords;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;
import org.tensorflow.proto.error.Code;
import tensorflow.serving.PredictionLogOuterClass.PredictionLog;

/**
 * TF Serving's model warm-up: the PredictionLog records of {@code assets.extra/tf_serving_warmup_requests} are replayed
 * against a freshly loaded version before it becomes AVAILABLE, so the first real request does not pay for TensorFlow's
 * lazy initialisation. A version without the file is served without warm-up; a failing record fails the load. Each record
 * runs {@code iterations} times in a row (--num_request_iterations_for_warmup, 1 by default).
 */
final class Warmup {

    private static final Logger LOG = Logger.getLogger(Warmup.class.getName());

    private Warmup() {
    }

    /** Replays the version's warm-up records, each {@code iterations} times, if it has any; returns how many records there were. */
    static int run(LoadedVersion version, ServingMetrics metrics, int iterations) {
        Path file = WarmupRecords.file(version.dir());
        if (!Files.isRegularFile(file)) {
            LOG.fine(() -> "No warm-up data file found at " + file);
            return 0;
        }
        long start = System.nanoTime();
        List<PredictionLog> records;
        try {
            records = WarmupRecords.read(file);
        } catch (IOException e) {
            throw new ServingException(Code.INVALID_ARGUMENT, "Cannot read the warm-up file of " + version + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < records.size(); i++) {
            PredictionLog record = records.get(i);
            try {
                for (int run = 0; run < iterations; run++) {
                    switch (record.getLogTypeCase()) {
                        case PREDICT_LOG -> version.predict(record.getPredictLog().getRequest());
                        case CLASSIFY_LOG -> ExampleInference.classify(version, record.getClassifyLog().getRequest());
                        case REGRESS_LOG -> ExampleInference.regress(version, record.getRegressLog().getRequest());
                        case MULTI_INFERENCE_LOG -> ExampleInference.multiInference(version, record.getMultiInferenceLog().getRequest());
                        default -> throw ServingException.unimplemented("Unsupported log_type for warmup: " + record.getLogTypeCase());
                    }
                }
            } catch (ServingException e) {
                throw new ServingException(e.code(), "Warm-up record " + i + " of " + file + " failed: " + e.getMessage(), e);
            }
        }
        long nanos = System.nanoTime() - start;
        metrics.warmup(version.dir(), nanos);
        LOG.info(() -> String.format("Finished reading warmup data for model at %s. Number of warmup records read: %d."
            + " Elapsed time (microseconds): %d.", file, records.size(), nanos / 1000));
        return records.size();
    }
}
