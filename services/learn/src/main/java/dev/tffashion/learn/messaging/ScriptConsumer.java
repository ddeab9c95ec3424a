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
        if (payload == null) {
            LOG.debug("skipping a tombstone (a record without value) on the script topic");
            return;
        }
        AnnotatedValue script;
        try {
            script = parse(payload);
        } catch (MalformedValueException e) {
            learner.refusedRecord(e.getMessage());
            throw e;
        }
        learner.learn(script);
    }

    /** The script value of a record; an empty or blank value, JSON {@code null} or anything else that is not a value is refused. */
    static AnnotatedValue parse(String payload) {
        if (payload.isBlank()) {
            throw new MalformedValueException("the record's value is empty" + (payload.isEmpty() ? "" : " (white space only)")
                + ", not an annotated script value; drop recipes and scripts through file-drop's POST /scriptInput");
        }
        AnnotatedValue script = Json.fromBytes(payload.getBytes(StandardCharsets.UTF_8), AnnotatedValue.class);
        if (script == null) {
            throw new MalformedValueException("the record's value is JSON null, not an annotated script value");
        }
        return script;
    }
}
