package dev.tffashion.tfserving.client;

import java.util.List;

/** What a Predict call answered: the version that answered and one row of output values per instance, in request order. */
public record Scores(long version, List<float[]> rows) {
}
