package dev.tffashion.servemanager.leader;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Elects one active serve-manager among its replicas: {@link KafkaLeaderElector} (a consumer group on a one-partition lock topic,
 * needing nothing but Kafka) or {@link LeaseLeaderElector} (a Kubernetes Lease through fabric8's {@code LeaderElector}). Both tell
 * a {@link LeadershipListener}; {@link #close()} gives the leadership up, so a standby takes over at once.
 */
public interface LeaderElector extends AutoCloseable {

    /** Starts competing for the leadership (returns at once). */
    void start();

    /** Whether this replica leads right now. */
    boolean leading();

    /** How the election works, for log lines and status reasons. */
    String describe();

    /** Stops competing and gives the leadership up if held, without telling the listener. */
    @Override
    void close();

    /** The single daemon thread on which an elector tells its listener, so a slow listener never holds up the election. */
    static ExecutorService notifier(String identity) {
        return Executors.newSingleThreadExecutor(runnable -> {
            Thread t = new Thread(runnable, "leader-notify-" + identity);
            t.setDaemon(true);
            return t;
        });
    }
}
