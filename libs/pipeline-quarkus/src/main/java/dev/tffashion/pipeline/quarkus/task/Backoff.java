package dev.tffashion.pipeline.quarkus.task;

import java.time.Duration;

/**
 * How long a task waits before it tries again (a send Kafka did not acknowledge, a model server that does not answer): the first
 * wait, doubled on each try up to the longest. The one backoff of every retry loop of the pipeline.
 *
 * @param initial the first wait, more than zero
 * @param max the longest wait, at least {@code initial}
 */
public record Backoff(Duration initial, Duration max) {

    public Backoff {
        if (initial == null || initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("a backoff's first wait must be more than zero, got " + initial);
        }
        if (max == null || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("a backoff's longest wait (" + max + ") must be at least its first (" + initial + ")");
        }
    }

    /** The wait after {@code current}: twice as long, at most {@link #max()}. */
    public Duration next(Duration current) {
        Duration doubled = current.multipliedBy(2);
        return doubled.compareTo(max) > 0 ? max : doubled;
    }

    /** Sleeps for {@code wait}; false when the thread was interrupted (the interrupt flag stays set). */
    public static boolean pause(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
