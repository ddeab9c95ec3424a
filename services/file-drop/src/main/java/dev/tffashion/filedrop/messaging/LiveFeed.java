package dev.tffashion.filedrop.messaging;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

/**
 * The UI's event bus: {@link ValueIndex} publishes each change it reads (a value, a task's status, a dead letter) and every
 * subscriber of {@code /v1/events} is told. It also says whether the index has caught up, so that a new subscriber knows
 * whether the snapshot it loads is complete.
 */
@ApplicationScoped
public class LiveFeed {

    private static final Logger LOG = Logger.getLogger(LiveFeed.class);

    /** A change of the index, for live listeners: kind is value, status or deadLetter. */
    public record Change(String kind, Object payload) {
    }

    private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean caughtUp;

    public void addListener(Consumer<Change> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<Change> listener) {
        listeners.remove(listener);
    }

    /** Whether anyone listens (the index decodes a value for the feed only then). */
    public boolean hasListeners() {
        return !listeners.isEmpty();
    }

    /** Tells every listener; a listener that throws is skipped, not the others. */
    public void publish(Change change) {
        for (Consumer<Change> listener : listeners) {
            try {
                listener.accept(change);
            } catch (RuntimeException e) {
                LOG.debugf("live feed listener failed: %s", e.getMessage());
            }
        }
    }

    /** Whether the index behind the feed has read every topic up to where it stood at start-up. */
    public boolean caughtUp() {
        return caughtUp;
    }

    void caughtUp(boolean value) {
        caughtUp = value;
    }
}
