package dev.tffashion.modelserver;

import org.tensorflow.proto.ConfigProto;

/**
 * What every served model shares: the batching scheduler (null when --enable_batching is off), the metrics,
 * whether warm-up records are replayed before a version becomes AVAILABLE, and the TensorFlow session config its
 * versions are loaded with (null: TensorFlow's defaults).
 */
record ServingContext(BatchScheduler batching, ServingMetrics metrics, boolean warmup, ConfigProto sessionConfig) {

    /** No batching, fresh metrics, warm-up on, TensorFlow's session defaults (TF Serving's defaults). */
    static ServingContext defaults() {
        return new ServingContext(null, new ServingMetrics(), true, null);
    }
}
