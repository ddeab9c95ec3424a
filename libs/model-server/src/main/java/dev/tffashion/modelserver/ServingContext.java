package dev.tffashion.modelserver;

import java.util.Set;
import org.tensorflow.proto.ConfigProto;

/**
 * What every served model shares: the batching scheduler (null when --enable_batching is off), the metrics,
 * how many times each warm-up record is replayed before a version becomes AVAILABLE (0: warm-up off), the TensorFlow session
 * config its
 * versions are loaded with (null: TensorFlow's defaults), and the tags of the MetaGraph loaded from each SavedModel
 * (--saved_model_tags).
 */
record ServingContext(BatchScheduler batching, ServingMetrics metrics, int warmupIterations, ConfigProto sessionConfig,
                      Set<String> tags, boolean methodNameCheck) {
}
