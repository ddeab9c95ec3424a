package dev.tffashion.filedrop.replay;

import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

import dev.tffashion.filedrop.DropRefusedException;
import dev.tffashion.filedrop.config.FileDropConfig;
import dev.tffashion.filedrop.messaging.KeyedCommands;
import dev.tffashion.pipeline.contracts.replay.ReplayRequest;

/**
 * Publishes replay requests on the compacted {@code <pipeline>.replay.request} topic (channel {@value #CHANNEL}), keyed by replay
 * id, and tells once Kafka acknowledged them (acks=all); predict's replay job runs them.
 */
@ApplicationScoped
public class ReplayRequests {

    /** Outgoing channel of replay requests. */
    public static final String CHANNEL = "replay-requests";

    @Inject
    @Channel(CHANNEL)
    Emitter<byte[]> requests;

    @Inject
    FileDropConfig config;

    /**
     * Publishes the request without waiting: the future completes once Kafka has acknowledged it, or fails with a 503
     * {@link DropRefusedException} (itself, not wrapped) when Kafka refused it or did not acknowledge it within
     * file-drop.publish-timeout. Kafka may store it all the same once it answers (a broker frozen with the request received):
     * the 503 says so, and that posting it again is safe, since the same request is the same replay.
     */
    public CompletableFuture<Void> publish(ReplayRequest request) {
        CompletableFuture<Void> published = new CompletableFuture<>();
        KeyedCommands.send(requests, request.id(), request.toJson(), config.publishTimeout(), "the replay request " + request.id())
            .whenComplete((ok, error) -> {
                if (error == null) {
                    published.complete(null);
                } else {
                    published.completeExceptionally(new DropRefusedException(503, "kafka-unavailable", error.getMessage(),
                        "Kafka may still store it once it answers; posting the same body again is safe: it is the same replay, and"
                        + " GET /v1/replay/" + request.id() + " shows it once predict runs it"));
                }
            });
        return published;
    }
}
