package dev.tffashion.learn.python;

import dev.tffashion.learn.EpochSummary;
import java.util.List;

/**
 * How a script run ended successfully.
 *
 * @param seconds wall time of the run
 * @param history epochs parsed from the script's Keras output (empty if it printed none)
 */
public record ScriptOutcome(double seconds, List<EpochSummary> history) {
}
