package dev.tffashion.pipeline.quarkus.task;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.header.Headers;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.RefusedException;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.quarkus.AcknowledgedSend;
import dev.tffashion.pipeline.quarkus.trace.BatchTrace;
import dev.tffashion.pipeline.quarkus.trace.PipelineTracing;
import dev.tffashion.pipeline.status.TaskState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;

/**
 * The task runtime every consuming service uses: takes a batch (or one record), parses each record with the service's function,
 * hands the inputs to the service's work, publishes the values produced until Kafka acknowledged them (retrying with a
 * {@link Backoff} until then, or until the service stops), dead-letters each refused record alone with its code, and only then
 * acknowledges the batch, so its offsets are committed after its outputs are safe. It reports the task's counters and state once per
 * batch (the {@link StatusSink} coalesces) and its metrics: {@code tffashion.<task>.consumed}, {@code .produced},
 * {@code .refused} (by code), {@code .publish.retries}, {@code .batch.size} and {@code .work} (Prometheus
 * {@code tffashion_<task>_*}, the task name in lower case).
 * <p>
 * A runner made with a {@link KafkaTransactions} output ({@link TaskRuntime#runner(String, KafkaTransactions)}) runs each batch
 * exactly once instead: the batch's values, its dead letters and its consumed offsets are written in one Kafka transaction
 * ({@code withTransactionAndAck}), so a {@code read_committed} reader sees all of them or none. A transaction that fails is aborted
 * and the consumer goes back to the last committed offsets: the batch is read and worked on again, and the aborted records stay
 * invisible. A fenced producer (a newer one with the same transactional id, or an epoch bumped by a transaction timeout) stops the
 * runner, and the service exits to be restarted (README, "Exactly once").
 */
public final class TaskRunner {

    private static final Logger LOG = Logger.getLogger(TaskRunner.class);

    /** Status counter of records read. */
    public static final String CONSUMED = "consumed";
    /** Status counter of values published (and acknowledged). */
    public static final String PRODUCED = "produced";
    /** Status counter of records dead-lettered. */
    public static final String FAILED = "failed";

    private final String task;
    private final Emitter<AnnotatedValue> output;
    private final KafkaTransactions<Object> transactions;
    private final String deadLetterTopic;
    private final StatusSink status;
    private final Delivery delivery;
    private final Counter consumed;
    private final Counter produced;
    private final Counter retries;
    private final DistributionSummary batchSize;
    private final Timer work;
    private final MeterRegistry registry;
    private final String prefix;
    /** Transactional runners only: what happens once the runner's producer is fenced (the service exits to be restarted). */
    private final Runnable whenFenced;

    /** The tracing of the task's records (off unless set through {@link #traced}). */
    private PipelineTracing tracing = PipelineTracing.OFF;

    private TaskState lastState;
    private String lastReason;
    /** Transactional runners only: set once a batch was left without a transaction; no later batch may commit offsets past it. */
    private volatile String halted;
    /** Transactional runners only: the pause after the next aborted transaction (the backoff, reset by a commit). */
    private Duration abortWait;

    /**
     * How a runner publishes: the wait for each try, the backoff between tries, and the stop check that ends the retries.
     *
     * @param timeout how long one try waits for Kafka's acknowledgement
     * @param backoff the waits between tries
     * @param stopping true once the service stops: the runner gives up and leaves the batch unacknowledged
     */
    public record Delivery(Duration timeout, Backoff backoff, BooleanSupplier stopping) {
        public Delivery {
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(backoff, "backoff");
            Objects.requireNonNull(stopping, "stopping");
        }

        /** The same delivery, stopping also when {@code alsoStopping} says so. */
        public Delivery orStopping(BooleanSupplier alsoStopping) {
            return new Delivery(timeout, backoff, () -> stopping.getAsBoolean() || alsoStopping.getAsBoolean());
        }
    }

    /**
     * @param task the task's name in the pipeline graph (status key, metric prefix)
     * @param output the channel of the task's values, or null for a task whose work publishes itself
     */
    public TaskRunner(String task, Emitter<AnnotatedValue> output, StatusSink status, MeterRegistry registry, Delivery delivery) {
        this(task, output, null, null, status, registry, delivery, () -> { });
    }

    /**
     * A runner whose batches run exactly once: values, dead letters and consumed offsets in one Kafka transaction per batch. The
     * incoming channel needs {@code commit-strategy=ignore} (the transaction commits the offsets) and {@code failure-strategy=ignore}
     * (dead letters are written here, in the transaction); the outgoing channel a {@code transactional.id} and the value serializer
     * {@link TaskOutputSerializer}.
     *
     * @param transactions the task's output channel, transactional
     * @param deadLetterTopic where the refused records go, inside the batch's transaction
     */
    public TaskRunner(String task, KafkaTransactions<Object> transactions, String deadLetterTopic, StatusSink status,
            MeterRegistry registry, Delivery delivery) {
        this(task, transactions, deadLetterTopic, status, registry, delivery, () -> { });
    }

    /**
     * A transactional runner that also runs {@code whenFenced} once its producer is fenced. A fenced producer never works again in
     * this process (Kafka's {@code ProducerFencedException} is fatal): {@link TaskRuntime} passes an exit of the service, so that
     * its supervisor starts it again with a fresh producer.
     */
    public TaskRunner(String task, KafkaTransactions<Object> transactions, String deadLetterTopic, StatusSink status,
            MeterRegistry registry, Delivery delivery, Runnable whenFenced) {
        this(task, null, Objects.requireNonNull(transactions, "transactions"), Objects.requireNonNull(deadLetterTopic,
            "deadLetterTopic"), status, registry, delivery, Objects.requireNonNull(whenFenced, "whenFenced"));
    }

    private TaskRunner(String task, Emitter<AnnotatedValue> output, KafkaTransactions<Object> transactions, String deadLetterTopic,
            StatusSink status, MeterRegistry registry, Delivery delivery, Runnable whenFenced) {
        this.task = Objects.requireNonNull(task, "task");
        this.output = output;
        this.transactions = transactions;
        this.deadLetterTopic = deadLetterTopic;
        this.status = Objects.requireNonNull(status, "status");
        this.delivery = Objects.requireNonNull(delivery, "delivery");
        this.registry = registry;
        this.prefix = metricPrefix(task);
        this.whenFenced = whenFenced;
        this.consumed = Counter.builder(prefix + ".consumed").description("Records read from the task's input topic").register(registry);
        this.produced = Counter.builder(prefix + ".produced").description("Values published and acknowledged by Kafka")
            .register(registry);
        this.retries = Counter.builder(prefix + ".publish.retries").description("Sends Kafka did not acknowledge, tried again")
            .register(registry);
        this.batchSize = DistributionSummary.builder(prefix + ".batch.size").description("Inputs handed to the task's work at once")
            .register(registry);
        this.work = Timer.builder(prefix + ".work").description("Duration of the task's work on one batch")
            .publishPercentileHistogram().register(registry);
    }

    /** The metric prefix of a task: {@code tffashion.<task in lower case>}. */
    public static String metricPrefix(String task) {
        return "tffashion." + task.toLowerCase(Locale.ROOT);
    }

    /**
     * The annotated value a record carries, read through {@code ValueRecords.decode}, the one decoder of pipeline records.
     *
     * @throws MalformedValueException when the record is not an annotated value (JSON {@code null} included)
     */
    public static AnnotatedValue value(KafkaRecord<String, byte[]> record) {
        AnnotatedValue value = ValueRecords.decode(record.getHeaders(), record.getPayload());
        if (value == null) {
            throw new MalformedValueException("the record's value is JSON null, not an annotated value");
        }
        return value;
    }

    /**
     * Traces this runner's records with {@code tracing}: a span per record (the child of the trace context its headers carry), a
     * span per batch linked to them, and the record's trace context in the headers of the values it produced.
     *
     * @return this runner
     */
    public TaskRunner traced(PipelineTracing tracing) {
        this.tracing = Objects.requireNonNull(tracing, "tracing");
        return this;
    }

    /** The task's name. */
    public String task() {
        return task;
    }

    /** True once the service stops. */
    public boolean stopping() {
        return delivery.stopping().getAsBoolean();
    }

    /**
     * Runs one batch: parse, work, publish until acknowledged, dead-letter the refused records, then acknowledge the batch. When the
     * service stops before the outputs are acknowledged, the batch is left unacknowledged (Kafka delivers it again on the next run).
     */
    public <I> CompletionStage<Void> batch(KafkaRecordBatch<String, byte[]> batch, BatchTask<I> task) {
        if (!tracing.on() || halted != null) {
            return batch(batch, task, null);
        }
        BatchTrace trace = new BatchTrace(tracing, this.task, batch.getRecords());
        CompletionStage<Void> done;
        try {
            done = batch(batch, task, trace);
        } catch (RuntimeException e) {
            trace.end(e.toString());
            throw e;
        }
        return done.whenComplete((ignored, e) -> trace.end(e == null ? null : e.toString()));
    }

    private <I> CompletionStage<Void> batch(KafkaRecordBatch<String, byte[]> batch, BatchTask<I> task, BatchTrace trace) {
        List<KafkaRecord<String, byte[]>> records = batch.getRecords();
        if (halted != null) {
            LOG.debugf("%d records left on Kafka: %s", records.size(), halted);
            return CompletableFuture.completedFuture(null);
        }
        consumed.increment(records.size());
        status.increment(this.task, CONSUMED, records.size());
        Map<I, KafkaRecord<String, byte[]>> recordOf = new IdentityHashMap<>();
        List<I> inputs = new ArrayList<>(records.size());
        Results<I> results = new Results<>(recordOf);
        results.trace = trace;
        for (KafkaRecord<String, byte[]> record : records) {
            try {
                I input = task.parse(record);
                inputs.add(input);
                recordOf.put(input, record);
            } catch (TaskStoppedException e) {
                return unacknowledged(records.size(), e.getMessage());
            } catch (RuntimeException e) {
                results.refusedRecord(record, refusal(record, e));
            }
        }
        if (!inputs.isEmpty()) {
            batchSize.record(inputs.size());
            Timer.Sample sample = Timer.start(registry);
            try (Scope traced = trace == null ? Scope.noop() : trace.batchScope()) {
                task.work(inputs, results);
            } catch (TaskStoppedException e) {
                return unacknowledged(records.size(), e.getMessage());
            } catch (RuntimeException e) {
                for (I input : inputs) {
                    if (!results.hasOutcome(input)) {
                        results.refused(input, e instanceof RefusedException r ? r : Results.unexpected(recordOf.get(input), e));
                    }
                }
            } finally {
                sample.stop(work);
            }
        }
        List<AnnotatedValue> values = results.values();
        List<Headers> headers = trace == null ? null : traceOutcomes(trace, results);
        if (transactions != null) {
            return inTransaction(batch, task, results, headers);
        }
        if (!results.routed().isEmpty()) {
            throw new IllegalStateException("task " + this.task + " routes values to other topics, which needs a transactional runner");
        }
        if (!values.isEmpty() && !deliver(values.size() + " values", () -> AcknowledgedSend.sendAll(output(), values, headers))) {
            return unacknowledged(records.size(), "stopping");
        }
        List<Results.Refused> refused = results.refused();
        if (!refused.isEmpty() && !deliver(refused.size() + " dead letters", () -> deadLetter(refused))) {
            return unacknowledged(records.size(), "stopping");
        }
        produced.increment(values.size());
        long total = status.increment(this.task, PRODUCED, values.size());
        status.increment(this.task, FAILED, refused.size());
        task.acknowledged(results);
        reportBatch(records.size(), values, refused, total, task.details(results));
        return batch.ack();
    }

    /**
     * Runs one record whose work publishes its own values (through {@link #publish}): a record without a value (a
     * tombstone) is acknowledged and skipped; a record the parse refuses, or whose work throws a {@link RefusedException}, is
     * dead-lettered with its code ({@code parseRefused} is told first, for the task's status); a work that ends with
     * {@link java.util.concurrent.CancellationException} (the service stops) leaves the record unacknowledged. Any other failure
     * dead-letters the record with the code {@value Results#UNEXPECTED}. The domain code reports the task's states and counters.
     */
    public <I> CompletionStage<Void> single(KafkaRecord<String, byte[]> record, Function<KafkaRecord<String, byte[]>, I> parse,
            Consumer<I> work, Consumer<RefusedException> parseRefused) {
        if (!tracing.on() || record.getPayload() == null) {
            return untracedSingle(record, parse, work, parseRefused);
        }
        Context parent = tracing.extract(record.getHeaders());
        Span span = tracing.tracer().spanBuilder(task + " process").setSpanKind(SpanKind.CONSUMER).setParent(parent)
            .setAttribute(PipelineTracing.SYSTEM, "kafka").setAttribute(PipelineTracing.TOPIC, record.getTopic())
            .setAttribute(PipelineTracing.INPUT_ID, String.valueOf(record.getKey())).startSpan();
        try (Scope traced = parent.with(span).makeCurrent()) {
            return untracedSingle(record, parse, work, parseRefused);
        } finally {
            span.end();
        }
    }

    private <I> CompletionStage<Void> untracedSingle(KafkaRecord<String, byte[]> record, Function<KafkaRecord<String, byte[]>, I> parse,
            Consumer<I> work, Consumer<RefusedException> parseRefused) {
        if (record.getPayload() == null) {
            LOG.debugf("skipping a tombstone (a record without value) on %s", record.getTopic());
            return record.ack();
        }
        consumed.increment();
        RefusedException refusal;
        I input;
        try {
            input = parse.apply(record);
        } catch (RuntimeException e) {
            refusal = refusal(record, e);
            parseRefused.accept(refusal);
            return deadLetterAlone(record, refusal);
        }
        try {
            work.accept(input);
            return record.ack();
        } catch (java.util.concurrent.CancellationException e) {
            LOG.infof("stopping: record %s stays unacknowledged on Kafka for the next run (%s)", record.getKey(), e.getMessage());
            return CompletableFuture.completedFuture(null);
        } catch (RefusedException e) {
            refusal = e;
        } catch (RuntimeException e) {
            refusal = Results.unexpected(record, e);
        }
        return deadLetterAlone(record, refusal);
    }

    /**
     * Publishes one value for a work that publishes itself (a model, an endpoint) and returns once Kafka acknowledged it, trying
     * again with the backoff while Kafka refuses it, for about {@code within} (each try waits up to {@code within}).
     *
     * @throws TaskStoppedException when the service stops first
     * @throws AcknowledgedSend.NotAcknowledgedException when Kafka did not acknowledge it in that time (the last try's reason)
     */
    public void publish(AnnotatedValue value, String what, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        AtomicReference<AcknowledgedSend.NotAcknowledgedException> last = new AtomicReference<>();
        Headers headers = tracing.currentHeaders();
        if (headers != null) {
            Span.current().setAttribute(PipelineTracing.OUTPUT_ID, value.id());
        }
        List<Headers> valueHeaders = headers == null ? null : java.util.Collections.singletonList(headers);
        boolean acked = AcknowledgedSend.untilAcknowledged(what + " " + value.id(), () -> AcknowledgedSend.sendAll(output(),
            List.of(value), valueHeaders), within, delivery.backoff(), () -> stopping() || System.nanoTime() - deadline >= 0, e -> {
                retries.increment();
                last.set(e);
            });
        if (acked) {
            produced.increment();
            return;
        }
        if (stopping()) {
            throw new TaskStoppedException("stopping before Kafka acknowledged " + what + " " + value.id());
        }
        throw last.get() != null ? last.get() : new AcknowledgedSend.NotAcknowledgedException("Kafka did not acknowledge " + what
            + " " + value.id() + " within " + within.toMillis() + " ms", null);
    }

    /** Notes each produced value's id and each refusal on its record's span; the headers of each value, in value order. */
    private <I> List<Headers> traceOutcomes(BatchTrace trace, Results<I> results) {
        List<Headers> headers = new ArrayList<>(results.produced().size());
        for (Results.Produced<I> p : results.produced()) {
            KafkaRecord<String, byte[]> record = results.record(p.input());
            trace.produced(record, p.value().id());
            headers.add(trace.headers(tracing, record));
        }
        for (Results.Refused r : results.refused()) {
            trace.refused(r.record(), r.refusal().code(), r.refusal().getMessage());
        }
        return headers;
    }

    /**
     * Reports the task's state. Logged when the state or the reason changes; published every time, since the status reporter
     * coalesces the records of a task.
     */
    public void report(TaskState state, String reason, Map<String, Object> details) {
        boolean changed;
        synchronized (this) {
            changed = state != lastState || !reason.equals(lastReason);
            lastState = state;
            lastReason = reason;
        }
        if (changed && (state == TaskState.WAITING || state == TaskState.FAILED)) {
            LOG.warnf("%s is %s: %s", task, state.wireName(), reason);
        }
        try {
            status.report(task, state, reason, details);
        } catch (RuntimeException e) {
            LOG.warnf("could not publish the %s status (%s): %s", task, state.wireName(), e.getMessage());
        }
    }

    /**
     * Writes the batch's values and dead letters and commits its offsets in one transaction; on a commit, reports as a published
     * batch does. On an abort (Kafka refused a record, the transaction timed out, the group rebalanced while the batch was worked
     * on), SmallRye has already moved the consumer back to the last committed offsets: the runner reports {@code waiting}, pauses
     * with the backoff and returns, and the batch comes again.
     */
    private <I> CompletionStage<Void> inTransaction(KafkaRecordBatch<String, byte[]> batch, BatchTask<I> task, Results<I> results,
            List<Headers> headers) {
        int size = batch.getRecords().size();
        if (stopping()) {
            return unacknowledged(size, "stopping");
        }
        List<AnnotatedValue> values = results.values();
        List<Results.Refused> refused = results.refused();
        AtomicBoolean committed = new AtomicBoolean();
        AtomicReference<Throwable> aborted = new AtomicReference<>();
        // withTransactionAndAck acks the batch after a commit; after an abort it nacks it, and then acks it too: the nack tells
        Message<?> tracked = batch.withAck(() -> {
            committed.set(aborted.get() == null);
            return batch.ack();
        }).withNack(e -> {
            aborted.set(e);
            return CompletableFuture.completedFuture(null);
        });
        Uni<Void> transaction;
        try {
            transaction = transactions.withTransactionAndAck(tracked, emitter -> {
                for (int i = 0; i < values.size(); i++) {
                    AnnotatedValue value = values.get(i);
                    emitter.send(Message.of(value, Metadata.of(AcknowledgedSend.metadata(value, headers == null ? null
                        : headers.get(i)))));
                }
                for (Results.Routed r : results.routed()) {
                    emitter.send(Message.of(r.value(), Metadata.of(OutgoingKafkaRecordMetadata.<String>builder().withTopic(r.topic())
                        .withKey(r.value().id()).build())));
                }
                for (Results.Refused r : refused) {
                    LOG.warnf("dead-lettering record %s (%s): %s", r.record().getKey(), r.refusal().code(), r.refusal().getMessage());
                    emitter.send(DeadLetters.letter(r.record(), r.refusal(), deadLetterTopic));
                }
                return Uni.createFrom().voidItem();
            });
        } catch (RuntimeException e) {
            // Not started, so the consumer was not moved back: no later batch may commit offsets past this one
            halt(TaskState.FAILED, "could not start the transaction of " + size + " records: " + e.getMessage()
                + "; restart the service");
            return CompletableFuture.completedFuture(null);
        }
        return transaction.onItem().transformToUni(done -> {
            if (committed.get()) {
                abortWait = null;
                produced.increment(values.size());
                long total = status.increment(this.task, PRODUCED, values.size());
                status.increment(this.task, FAILED, refused.size());
                refused.forEach(r -> Counter.builder(prefix + ".refused").description("Records dead-lettered, by code")
                    .tag("code", r.refusal().code()).register(registry).increment());
                task.acknowledged(results);
                reportBatch(size, values, refused, total, task.details(results));
                return Uni.createFrom().voidItem();
            }
            return afterAbort(size, aborted.get());
        }).subscribeAsCompletionStage();
    }

    private Uni<Void> afterAbort(int size, Throwable failure) {
        retries.increment();
        Throwable fenced = find(failure, ProducerFencedException.class);
        if (fenced != null) {
            // A newer producer with this id (two replicas under one name, or this one replaced), or the coordinator aborted a
            // transaction that outlived transaction.timeout.ms (a long broker outage) and bumped the epoch: both are fatal for
            // this producer. No later batch may commit, and a fresh process under the same name gets a fresh producer.
            halt(TaskState.FAILED, "fenced: this replica's transactional producer can no longer write (" + fenced.getMessage()
                + "). Either another replica runs under the same tf-fashion.instance (TF_FASHION_INSTANCE): give each its own name; "
                + "or a transaction outlived transaction.timeout.ms during a broker outage. Nothing of the batch is visible; the "
                + "service exits to be started again (compose and Kubernetes restart it; locally run bin/tf-fashion up)");
            whenFenced.run();
            return Uni.createFrom().voidItem();
        }
        String why = failure == null ? "unknown" : failure.getMessage() == null ? failure.toString() : failure.getMessage();
        Duration wait = abortWait == null ? delivery.backoff().initial() : abortWait;
        abortWait = delivery.backoff().next(wait);
        report(TaskState.WAITING, "the transaction of " + size + " records was aborted (" + why + "); nothing of it is visible to "
            + "read_committed readers, and the batch is read again from the last committed offsets in " + wait.toMillis() + " ms",
            Map.of());
        return Uni.createFrom().voidItem().onItem().delayIt().by(wait);
    }

    /** The first throwable of the type among the failure, its causes and its suppressed ones (an abort adds its own failure). */
    static Throwable find(Throwable failure, Class<? extends Throwable> type) {
        java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>();
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        if (failure != null) {
            todo.add(failure);
        }
        while (!todo.isEmpty()) {
            Throwable t = todo.poll();
            if (!seen.add(t)) {
                continue;
            }
            if (type.isInstance(t)) {
                return t;
            }
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
            todo.addAll(List.of(t.getSuppressed()));
            if (t instanceof io.smallrye.mutiny.CompositeException composite) {
                todo.addAll(composite.getCauses());
            }
        }
        return null;
    }

    private void halt(TaskState state, String reason) {
        halted = reason;
        report(state, reason, Map.of());
    }

    private CompletionStage<Void> deadLetterAlone(KafkaRecord<String, byte[]> record, RefusedException refusal) {
        if (!deliver("the dead letter of " + record.getKey(), () -> deadLetter(List.of(new Results.Refused(record, refusal))))) {
            return unacknowledged(1, "stopping");
        }
        return CompletableFuture.completedFuture(null);
    }

    private boolean deliver(String what, Supplier<CompletableFuture<Void>> send) {
        return AcknowledgedSend.untilAcknowledged(what, send, delivery.timeout(), delivery.backoff(), delivery.stopping(), e -> {
            retries.increment();
            report(TaskState.WAITING, e.getMessage() + "; retrying", Map.of());
        });
    }

    private CompletableFuture<Void> deadLetter(List<Results.Refused> refused) {
        List<CompletableFuture<Void>> sent = new ArrayList<>(refused.size());
        for (Results.Refused r : refused) {
            LOG.warnf("dead-lettering record %s (%s): %s", r.record().getKey(), r.refusal().code(), r.refusal().getMessage());
            Counter.builder(prefix + ".refused").description("Records dead-lettered, by code").tag("code", r.refusal().code())
                .register(registry).increment();
            sent.add(DeadLetters.nack(r.record(), r.refusal()));
        }
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
    }

    private void reportBatch(int size, List<AnnotatedValue> values, List<Results.Refused> refused, long total,
            Map<String, Object> taskDetails) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("batch", size);
        details.put("produced", values.size());
        details.put("refused", refused.size());
        if (!values.isEmpty()) {
            details.put("lastProduced", values.get(values.size() - 1).id());
        }
        if (!refused.isEmpty()) {
            Results.Refused last = refused.get(refused.size() - 1);
            details.put("lastRefused", last.record().getKey() == null ? "" : last.record().getKey());
            details.put("code", last.refusal().code());
            details.putAll(taskDetails);
            report(TaskState.FAILED, "last record refused (" + last.refusal().code() + "): " + last.refusal().getMessage(), details);
        } else {
            details.putAll(taskDetails);
            report(TaskState.SUCCEEDED, values.isEmpty() ? size + " records delivered again already have their output"
                : "produced " + values.size() + " (" + total + " so far)", details);
        }
    }

    private Emitter<AnnotatedValue> output() {
        if (output == null) {
            throw new IllegalStateException("task " + task + " has no output channel; its work publishes its values itself");
        }
        return output;
    }

    private static RefusedException refusal(KafkaRecord<String, byte[]> record, RuntimeException e) {
        if (e instanceof RefusedException r) {
            return r;
        }
        if (e instanceof MalformedValueException) {
            return new RefusedException(RefusedException.MALFORMED_VALUE, "record " + record.getKey() + " is not a value: "
                + e.getMessage(), e);
        }
        return Results.unexpected(record, e);
    }

    private CompletionStage<Void> unacknowledged(int records, String why) {
        if (transactions != null && halted == null) {
            // Offsets are committed by transactions, which do not wait for earlier batches: once a batch is left, no later one commits
            halted = why;
        }
        LOG.infof("%s: %d records stay unacknowledged on Kafka for the next run", why, records);
        return CompletableFuture.completedFuture(null);
    }
}
