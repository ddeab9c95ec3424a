package dev.tffashion.pipeline.quarkus.task;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.jboss.logging.Logger;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.RefusedException;
import dev.tffashion.pipeline.quarkus.trace.BatchTrace;
import io.opentelemetry.context.Scope;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;

/**
 * What a task's work made of one batch: the values each input produced, and the inputs refused for good, each with its refusal. An
 * input given no outcome is done with nothing to publish (a record delivered again whose output exists already).
 *
 * @param <I> what the task's parse makes of a record
 */
public final class Results<I> {

    private static final Logger LOG = Logger.getLogger(Results.class);

    /** The code of an input whose work failed in a way the task did not foresee; it is dead-lettered alone. */
    public static final String UNEXPECTED = "UNEXPECTED";

    /** A value produced from an input. */
    public record Produced<I>(I input, AnnotatedValue value) {
    }

    /** A record refused for good, with the refusal its dead letter carries. */
    public record Refused(KafkaRecord<String, byte[]> record, RefusedException refusal) {
    }

    private final Map<I, KafkaRecord<String, byte[]>> records;
    private final List<Produced<I>> produced = new ArrayList<>();
    private final List<Refused> refused = new ArrayList<>();
    private final Map<I, Boolean> outcome = new IdentityHashMap<>();
    private final List<Routed> routed = new ArrayList<>();

    /** A value for another topic than the task's output (a rollout's shadow predictions), published in the same transaction. */
    public record Routed(String topic, AnnotatedValue value) {
    }
    /** The batch's spans, or null when tracing is off. */
    BatchTrace trace;

    Results(Map<I, KafkaRecord<String, byte[]>> records) {
        this.records = records;
    }

    /** Records that the input produced the value (one input may produce several); published before the batch is acknowledged. */
    public void produced(I input, AnnotatedValue value) {
        record(input);
        outcome.put(input, Boolean.TRUE);
        produced.add(new Produced<>(input, value));
    }

    /**
     * Adds a value for another topic than the task's output, published in the batch's transaction with the outputs (transactional
     * runners only). It is no outcome of an input and not counted as produced.
     */
    public void alsoPublish(String topic, AnnotatedValue value) {
        routed.add(new Routed(topic, value));
    }

    /** The values for other topics, in the order they were added. */
    public List<Routed> routed() {
        return Collections.unmodifiableList(routed);
    }

    /** Records that the input is refused for good: its record alone goes to the dead-letter topic with the refusal's code. */
    public void refused(I input, RefusedException refusal) {
        refused.add(new Refused(record(input), refusal));
        outcome.put(input, Boolean.FALSE);
    }

    /**
     * Works on each input alone: a value is produced, a {@link RefusedException} refuses that input, and any other failure refuses it
     * with the code {@value #UNEXPECTED} (logged with its stack trace), so one bad record never holds back the others.
     */
    public void eachAlone(List<I> inputs, Function<I, AnnotatedValue> work) {
        for (I input : inputs) {
            try (Scope traced = trace == null ? Scope.noop() : trace.recordScope(record(input))) {
                AnnotatedValue value = work.apply(input);
                if (value != null) {
                    produced(input, value);
                }
            } catch (TaskStoppedException e) {
                throw e;
            } catch (RefusedException e) {
                refused(input, e);
            } catch (RuntimeException e) {
                refused(input, unexpected(record(input), e));
            }
        }
    }

    /**
     * Makes the input's own span current (its picture's trace) while the work is on that input alone; a no-op scope when tracing is
     * off. {@link #eachAlone} does it for each input.
     */
    public Scope traced(I input) {
        return trace == null ? Scope.noop() : trace.recordScope(record(input));
    }

    /** The record an input was parsed from (its key, timestamp, headers). */
    public KafkaRecord<String, byte[]> record(I input) {
        KafkaRecord<String, byte[]> record = records.get(input);
        if (record == null) {
            throw new IllegalArgumentException("not an input of this batch: " + input);
        }
        return record;
    }

    /** The values produced, in the order they were produced. */
    public List<Produced<I>> produced() {
        return Collections.unmodifiableList(produced);
    }

    /** The refused records, parse refusals first. */
    public List<Refused> refused() {
        return Collections.unmodifiableList(refused);
    }

    /** The values to publish. */
    public List<AnnotatedValue> values() {
        List<AnnotatedValue> values = new ArrayList<>(produced.size());
        produced.forEach(p -> values.add(p.value()));
        return values;
    }

    boolean hasOutcome(I input) {
        return outcome.containsKey(input);
    }

    void refusedRecord(KafkaRecord<String, byte[]> record, RefusedException refusal) {
        refused.add(new Refused(record, refusal));
    }

    static RefusedException unexpected(KafkaRecord<String, byte[]> record, RuntimeException e) {
        LOG.errorf(e, "unexpected failure on record %s; dead-lettering it alone", record.getKey());
        return new RefusedException(UNEXPECTED, "record " + record.getKey() + " failed unexpectedly: " + e, e);
    }
}
