package dev.tffashion.servemanager.replay;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.tffashion.pipeline.contracts.replay.ReplayReport;
import dev.tffashion.pipeline.contracts.replay.ReplayRequest;

/**
 * Which replays run now, from the records of {@code <pipeline>.replay.request} and {@code <pipeline>.replay.report} (both
 * compacted, key = replay id), by their Kafka record timestamps. A replay runs while it has no report yet, or its last report is
 * running, or its last report failed before the request was posted again (posting a failed replay again retries it); a done
 * replay never runs again. A replay whose last record (request or report) is older than the hold runs no more: predict died, or
 * lost it, and its version need not stay loaded for it (a replay that waits for its version writes a report every few seconds).
 * Thread-safe.
 */
public final class ReplayHolds {

    /** A running replay: its request, and when it was last heard of. */
    public record Running(ReplayRequest request, ReplayReport report, Instant lastHeard) {

        /** The replay's id. */
        public String id() {
            return request.id();
        }

        /** The version it asks. */
        public long version() {
            return request.toVersion();
        }
    }

    private static final class Entry {
        private ReplayRequest request;
        private long requestedAt = Long.MIN_VALUE;
        private ReplayReport report;
        private long reportedAt = Long.MIN_VALUE;

        boolean running() {
            if (request == null) {
                return false;
            }
            if (report == null) {
                return requestedAt != Long.MIN_VALUE;
            }
            return switch (report.state()) {
                case RUNNING -> true;
                case DONE -> false;
                case FAILED -> requestedAt > reportedAt;
            };
        }

        long lastHeard() {
            return Math.max(requestedAt, reportedAt);
        }
    }

    private final Duration hold;
    private final Map<String, Entry> replays = new HashMap<>();

    /** @param hold how long a replay without a new record still runs */
    public ReplayHolds(Duration hold) {
        this.hold = hold;
    }

    /** A request record (null: a tombstone, the replay is forgotten). */
    public synchronized void requested(String replayId, ReplayRequest request, long timestamp) {
        if (request == null) {
            replays.remove(replayId);
            return;
        }
        Entry entry = replays.computeIfAbsent(replayId, id -> new Entry());
        entry.request = request;
        entry.requestedAt = Math.max(entry.requestedAt, timestamp);
    }

    /** A report record (null: a tombstone). */
    public synchronized void reported(String replayId, ReplayReport report, long timestamp) {
        Entry entry = replays.computeIfAbsent(replayId, id -> new Entry());
        if (report == null) {
            entry.report = null;
            return;
        }
        if (timestamp < entry.reportedAt) {
            return;
        }
        entry.report = report;
        entry.reportedAt = timestamp;
        if (entry.request == null) {
            entry.request = report.request();
        }
    }

    /** The replays running at {@code now}, oldest request first. */
    public synchronized List<Running> running(Instant now) {
        List<Running> running = new ArrayList<>();
        long oldest = now.minus(hold).toEpochMilli();
        for (Entry entry : replays.values()) {
            if (entry.running() && entry.lastHeard() >= oldest) {
                running.add(new Running(entry.request, entry.report, Instant.ofEpochMilli(entry.lastHeard())));
            }
        }
        running.sort(Comparator.comparing(Running::lastHeard));
        return running;
    }

    /** The hold: how long a replay without a new record still runs. */
    public Duration hold() {
        return hold;
    }
}
