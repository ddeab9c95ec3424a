package dev.tffashion.learn.messaging;

import dev.tffashion.learn.LearnException;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.quarkus.AcknowledgedSend;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/** Publishes model values on {@code <pipeline>.learn.model} (key = value id) and returns once Kafka acknowledged them (acks=all). */
@ApplicationScoped
public class ModelPublisher {

    @Inject
    @Channel(Channels.MODELS)
    Emitter<AnnotatedValue> models;

    /**
     * Publishes and waits for the acknowledgement.
     *
     * @throws LearnException (kind {@code publish}) when Kafka did not acknowledge within the timeout
     */
    public void publish(AnnotatedValue value, Duration timeout) {
        try {
            AcknowledgedSend.send(models, value, timeout, "model");
        } catch (AcknowledgedSend.NotAcknowledgedException e) {
            throw new LearnException("publish", e.getMessage(), e.getCause());
        }
    }
}
