package dev.tffashion.tfserving.client;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.grpc.ClientInterceptor;

/**
 * The connections of one service to its TF Serving targets, one per target with its own channel and circuit breaker, all with the
 * same settings. A service that follows a moving endpoint keeps only the current target ({@link #retainOnly}).
 */
public final class TfServingConnections implements AutoCloseable {

    private final TfServingSettings settings;
    private final Map<String, TfServingConnection> connections = new ConcurrentHashMap<>();
    private final List<ClientInterceptor> interceptors;

    public TfServingConnections(TfServingSettings settings) {
        this(settings, List.of());
    }

    /** Connections whose calls go through the interceptors (tracing: a client span per call, the trace context sent along). */
    public TfServingConnections(TfServingSettings settings, List<ClientInterceptor> interceptors) {
        this.settings = settings;
        this.interceptors = List.copyOf(interceptors);
    }

    /** The connection to a target, opened on first use. */
    public TfServingConnection get(String target) {
        return connections.computeIfAbsent(target, t -> new TfServingConnection(t, settings, interceptors));
    }

    /** The connection to a target, if one is open. */
    public Optional<TfServingConnection> find(String target) {
        return Optional.ofNullable(connections.get(target));
    }

    /** Closes the connections to every target but the given one (the endpoint moved to another server). */
    public void retainOnly(String target) {
        connections.entrySet().removeIf(entry -> {
            if (entry.getKey().equals(target)) {
                return false;
            }
            entry.getValue().close();
            return true;
        });
    }

    /** The settings every connection uses. */
    public TfServingSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        connections.values().forEach(TfServingConnection::close);
        connections.clear();
    }
}
