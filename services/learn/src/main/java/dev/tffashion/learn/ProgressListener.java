package dev.tffashion.learn;

/** Receives training progress: at the end of every epoch and every few seconds in between. */
@FunctionalInterface
public interface ProgressListener {

    /** A listener that ignores progress. */
    ProgressListener NONE = progress -> { };

    void onProgress(TrainingProgress progress);
}
