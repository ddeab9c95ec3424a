package dev.tffashion.learn;

import java.util.List;

/**
 * The signature of an exported model that tf-fashion feeds: its key, the float32 input that takes the images and the
 * output that gives the class probabilities.
 *
 * @param inputShape the input's shape, -1 for the batch dimension: {@code [-1,28,28]}, {@code [-1,784]} or {@code [-1,28,28,1]}
 */
public record ServingSignature(String key, String methodName, String inputName, List<Long> inputShape, String outputName) {
}
