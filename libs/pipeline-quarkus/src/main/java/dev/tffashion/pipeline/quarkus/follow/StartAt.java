package dev.tffashion.pipeline.quarkus.follow;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** Where a {@link TopicFollower} starts reading a partition it has not read before: its beginning, or a time window back. */
public final class StartAt {

    private static final StartAt BEGINNING = new StartAt(null);

    private final Duration window;

    private StartAt(Duration window) {
        this.window = window;
    }

    /** The first record still retained: the whole topic (a view, the latest of a compacted topic). */
    public static StartAt beginning() {
        return BEGINNING;
    }

    /** The first record written no earlier than {@code window} before the follower starts; the end if there is none. */
    public static StartAt since(Duration window) {
        Objects.requireNonNull(window, "window");
        if (window.isNegative()) {
            throw new IllegalArgumentException("StartAt.since needs a positive window, not " + window);
        }
        return new StartAt(window);
    }

    /** The window of {@link #since(Duration)}; empty for {@link #beginning()}. */
    public Optional<Duration> window() {
        return Optional.ofNullable(window);
    }

    @Override
    public String toString() {
        return window == null ? "beginning" : "since " + window;
    }
}
