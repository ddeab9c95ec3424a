package dev.tffashion.learn.python;

import dev.tffashion.learn.ProgressListener;

/** Runs a Python training script somewhere (a child process, a Kubernetes Job) and waits for it. */
public interface PythonExecutor {

    /** The trainer name recorded in the model's annotations, e.g. {@code python-process}. */
    String name();

    /**
     * Runs the script to its end; progress parsed from its output goes to {@code listener}.
     *
     * @throws dev.tffashion.learn.LearnException (kind {@code script}) when it fails, times out or cannot start, with its last lines
     */
    ScriptOutcome run(ScriptRun run, ProgressListener listener);

    /**
     * Whether a run of this model is already under way or finished here (a replay after learn stopped): its work folder is then
     * kept as it is and {@link #run} waits for that run instead of starting another. Child processes die with learn: never.
     */
    default boolean resumable(ScriptRun run) {
        return false;
    }

    /** Forgets an earlier run of this model whose work folder is gone (its output cannot be read any more), so that it runs again. */
    default void discard(ScriptRun run) {
    }
}
