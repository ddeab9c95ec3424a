package dev.tffashion.modelserver;

/**
 * What every served model shares: the batching scheduler (null when --enable_batching is off), the metrics and
 * whether warm-up records are replayed before a version becomes AVAILABLE.
 */
record ServingContext(BatchScheduler batching, ServingMetrics metrics, boolean warmup) {

    /** No batching, fresh metrics, warm-up on (TF Serving's defaults). */
    static ServingContext defaults() {
        return new ServingContext(null, new ServingMetrics(), true);
    }
}
