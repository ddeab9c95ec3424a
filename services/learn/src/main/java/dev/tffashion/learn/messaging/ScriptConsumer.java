package dev.tffashion.learn.messaging;

import dev.tffashion.learn.Learner;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.MalformedValueException;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes {@code <pipeline>.scriptInput.droppedFile}: one recipe or script at a time, on the single-thread worker pool
 * {@code learn}. A record that is not an annotated value, or a script that does not become a model, is nacked: SmallRye
 * sends it to {@code <pipeline>.learn.dlq} with the reason. The offset is committed only after the method returned, i.e.
 * after Kafka acknowledged the model value.
 */
@ApplicationScoped
public class ScriptConsumer {

    private static final Logger LOG = Logger.getLogger(ScriptConsumer.class);

    @Inject
    Learner learner;

    @Incoming(Channels.SCRIPTS)
    @Blocking("learn")
    public void consume(String payload) {
        if (payload == null || payload.isBlank()) {
            LOG.debug("skipping an empty record (tombstone) on the script topic");
            return;
        }
        AnnotatedValue script;
        try {
            script = Json.fromBytes(payload.getBytes(StandardCharsets.UTF_8), AnnotatedValue.class);
        } catch (MalformedValueException e) {
            learner.refusedRecord(e.getMessage());
            throw e;
        }
        learner.learn(script);
    }
}
