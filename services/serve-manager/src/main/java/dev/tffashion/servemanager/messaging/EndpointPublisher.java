package dev.tffashion.servemanager.messaging;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.quarkus.AcknowledgedSend;

/** Publishes endpoint values on {@code <pipeline>.serve.endpoint} (key = value id) and returns once Kafka acknowledged them (acks=all). */
@ApplicationScoped
public class EndpointPublisher {

    @Inject
    @Channel(Channels.ENDPOINTS)
    Emitter<AnnotatedValue> endpoints;

    /**
     * Publishes and waits for the acknowledgement.
     *
     * @throws IllegalStateException when Kafka did not acknowledge within the timeout
     */
    public void publish(AnnotatedValue value, Duration timeout) {
        try {
            AcknowledgedSend.send(endpoints, value, timeout, "endpoint");
        } catch (AcknowledgedSend.NotAcknowledgedException e) {
            throw new IllegalStateException(e.getMessage(), e.getCause());
        }
    }
}
