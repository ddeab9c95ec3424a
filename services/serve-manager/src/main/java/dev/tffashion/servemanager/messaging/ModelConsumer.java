package dev.tffashion.servemanager.messaging;

import java.nio.charset.StandardCharsets;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.servemanager.ServeManager;
import io.smallrye.common.annotation.Blocking;

/**
 * Consumes {@code <pipeline>.learn.model}, one model at a time on a worker thread. A record that is not an annotated value, or a
 * model that is refused, is nacked: SmallRye sends it to {@code <pipeline>.serve.dlq} with the reason. The offset is committed once
 * the method returns, i.e. after the endpoint value was acknowledged by Kafka.
 */
@ApplicationScoped
public class ModelConsumer {

    private static final Logger LOG = Logger.getLogger(ModelConsumer.class);

    @Inject
    ServeManager manager;

    @Incoming(Channels.MODELS)
    @Blocking
    public void consume(String payload) {
        if (payload == null) {
            LOG.debug("skipping a tombstone (a record without value) on the model topic");
            return;
        }
        AnnotatedValue model;
        try {
            model = parse(payload);
        } catch (MalformedValueException e) {
            manager.refusedRecord(e.getMessage());
            throw e;
        }
        manager.handle(model);
    }

    /** The model value of a record; an empty or blank value, JSON {@code null} or anything else that is not a value is refused. */
    static AnnotatedValue parse(String payload) {
        if (payload.isBlank()) {
            throw new MalformedValueException("the record's value is empty" + (payload.isEmpty() ? "" : " (white space only)")
                    + ", not an annotated model value; learn publishes models as UTF-8 JSON");
        }
        AnnotatedValue model = Json.fromBytes(payload.getBytes(StandardCharsets.UTF_8), AnnotatedValue.class);
        if (model == null) {
            throw new MalformedValueException("the record's value is JSON null, not an annotated model value");
        }
        return model;
    }
}
