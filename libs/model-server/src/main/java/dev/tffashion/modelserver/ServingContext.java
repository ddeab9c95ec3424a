package dev.tffashion.modelserver;

import java.util.Set;
import org.tensorflow.proto.ConfigProto;

/**
 * What every served model shares: the batching scheduler (null when --enable_batching is off), the metrics,
 * whether warm-up records are replayed before a version becomes AVAILABLE, the TensorFlow session config its
 * versions are loaded with (null: TensorFlow's defaults), and the tags of the MetaGraph loaded from each SavedModel
 * (--saved_model_tags).
 */
record ServingContext(BatchScheduler batching, ServingMetrics metrics, boolean warmup, ConfigProto sessionConfig, Set<String> tags) {
}
