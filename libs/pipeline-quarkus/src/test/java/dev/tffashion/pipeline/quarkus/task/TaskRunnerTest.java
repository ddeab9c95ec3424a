package dev.tffashion.pipeline.quarkus.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.junit.jupiter.api.Test;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.RefusedException;
import dev.tffashion.pipeline.quarkus.AcknowledgedSend;
import dev.tffashion.pipeline.quarkus.trace.PipelineTracing;
import dev.tffashion.pipeline.status.TaskState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.IncomingKafkaRecord;
import io.smallrye.reactive.messaging.kafka.IncomingKafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.commit.KafkaCommitHandler;
import io.smallrye.reactive.messaging.kafka.fault.KafkaFailureHandler;

/**
 * The guarantees of the task runtime, on SmallRye's own batch and record classes: a batch is acknowledged only after Kafka
 * acknowledged its outputs; a refusal dead-letters exactly the refused record, with its code; sends are retried with the backoff
 * until acknowledged, and given up when the service stops (the batch then stays unacknowledged); status is reported once per batch
 * with counters added in one step, the status reporter coalescing the records.
 */
class TaskRunnerTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String TOPIC = "tf-fashion.in.value";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RecordingStatus status = new RecordingStatus();
    private final RecordingEmitter output = new RecordingEmitter();
    private final Commits commits = new Commits();
    private final DeadLetterQueue deadLetters = new DeadLetterQueue();
    private final AtomicBoolean stopping = new AtomicBoolean();

    private TaskRunner runner(Duration timeout) {
        return new TaskRunner("demoTask", output, status, registry,
            new TaskRunner.Delivery(timeout, new Backoff(Duration.ofMillis(1), Duration.ofMillis(4)), stopping::get));
    }

    @Test
    void aBatchIsAcknowledgedOnlyAfterKafkaAcknowledgedItsOutputs() throws Exception {
        output.autoAck = false;
        TaskRunner runner = runner(Duration.ofSeconds(30));
        CompletableFuture<CompletionStage<Void>> run = CompletableFuture.supplyAsync(() -> runner.batch(batch("a", "b", "c"),
            new Doubling()));
        until(() -> output.messages.size() == 3, "the three values sent");
        assertTrue(commits.offsets.isEmpty(), "nothing may be acknowledged before Kafka acknowledged the outputs");
        assertFalse(run.isDone(), "the runner waits for Kafka's acknowledgement");
        output.messages.get(0).ack().toCompletableFuture().join();
        output.messages.get(1).ack().toCompletableFuture().join();
        assertTrue(commits.offsets.isEmpty(), "two of three acknowledged: still nothing acknowledged");
        output.messages.get(2).ack().toCompletableFuture().join();
        run.get(WAIT.toSeconds(), TimeUnit.SECONDS).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(List.of(2L), commits.offsets, "the batch is acknowledged at its last record");
        assertEquals(List.of("a-twice", "b-twice", "c-twice"), output.ids());
        assertEquals(3.0, registry.get("tffashion.demotask.produced").counter().count());
        assertTrue(deadLetters.letters.isEmpty());
    }

    @Test
    void aBatchWhoseOutputsKafkaRefusesIsSentAgainUntilAcknowledged() throws Exception {
        AtomicInteger refusals = new AtomicInteger(2);
        output.refuse = () -> refusals.getAndDecrement() > 0;
        runner(Duration.ofSeconds(30)).batch(batch("a"), new Doubling()).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(List.of("a-twice", "a-twice", "a-twice"), output.ids(), "two refusals, then the third try is acknowledged");
        assertEquals(List.of(0L), commits.offsets);
        assertEquals(2.0, registry.get("tffashion.demotask.publish.retries").counter().count());
        assertTrue(status.reports.stream().anyMatch(r -> r.state() == TaskState.WAITING && r.reason().contains("retrying")),
            status.reports.toString());
    }

    @Test
    void aRefusalDeadLettersExactlyTheRefusedRecordWithItsCode() throws Exception {
        BatchTask<String> refusesB = new Doubling() {
            @Override
            public void work(List<String> inputs, Results<String> results) {
                results.eachAlone(inputs, input -> {
                    if (input.equals("b")) {
                        throw new RefusedException("TOO_DARK", "picture b is too dark; send a lighter one");
                    }
                    return value(input + "-twice");
                });
            }
        };
        runner(Duration.ofSeconds(30)).batch(batch("a", "b", "c"), refusesB).toCompletableFuture().get(WAIT.toSeconds(),
            TimeUnit.SECONDS);
        assertEquals(1, deadLetters.letters.size(), deadLetters.letters.toString());
        DeadLetter letter = deadLetters.letters.get(0);
        assertEquals(1L, letter.offset(), "the dead letter is the refused record's");
        assertEquals("TOO_DARK", letter.code());
        assertEquals("picture b is too dark; send a lighter one", letter.reason().getMessage());
        assertEquals(List.of("a-twice", "c-twice"), output.ids(), "the others are published");
        assertEquals(List.of(2L), commits.offsets);
        assertEquals(1.0, registry.get("tffashion.demotask.refused").tag("code", "TOO_DARK").counter().count());
        Report last = status.reports.get(status.reports.size() - 1);
        assertEquals(TaskState.FAILED, last.state());
        assertEquals("TOO_DARK", last.details().get("code"));
    }

    @Test
    void aRecordThatIsNotAValueAndAnUnexpectedFailureAreEachDeadLetteredAloneWithTheirCode() throws Exception {
        BatchTask<AnnotatedValue> decoding = new BatchTask<>() {
            @Override
            public AnnotatedValue parse(KafkaRecord<String, byte[]> record) {
                return TaskRunner.value(record);
            }

            @Override
            public void work(List<AnnotatedValue> inputs, Results<AnnotatedValue> results) {
                results.eachAlone(inputs, input -> {
                    if (input.id().equals("boom")) {
                        throw new IllegalStateException("a bug");
                    }
                    return value(input.id() + "-twice");
                });
            }
        };
        IncomingKafkaRecordBatch<String, byte[]> batch = batchOf(List.of(Json.toBytes(value("a")), "null".getBytes(
            StandardCharsets.UTF_8), Json.toBytes(value("boom")), "  ".getBytes(StandardCharsets.UTF_8)));
        runner(Duration.ofSeconds(30)).batch(batch, decoding).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(List.of("a-twice"), output.ids());
        Map<Long, String> codes = new HashMap<>();
        deadLetters.letters.forEach(l -> codes.put(l.offset(), l.code()));
        assertEquals(Map.of(1L, RefusedException.MALFORMED_VALUE, 2L, Results.UNEXPECTED, 3L, RefusedException.MALFORMED_VALUE),
            codes);
        assertEquals(List.of(3L), commits.offsets);
    }

    @Test
    void aStoppingServiceLeavesTheBatchUnacknowledged() throws Exception {
        output.refuse = () -> true;
        output.onSend = () -> {
            if (output.messages.size() == 6) {
                stopping.set(true);
            }
        };
        CompletionStage<Void> done = runner(Duration.ofSeconds(30)).batch(batch("a", "b"), new Doubling());
        done.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(6, output.messages.size(), "three tries of two values, then the stop");
        assertTrue(commits.offsets.isEmpty(), "a batch whose outputs were never acknowledged is not acknowledged");
        assertTrue(deadLetters.letters.isEmpty(), "nor dead-lettered");
    }

    @Test
    void workThatStopsLeavesTheBatchUnacknowledged() throws Exception {
        BatchTask<String> stops = new Doubling() {
            @Override
            public void work(List<String> inputs, Results<String> results) {
                throw new TaskStoppedException("stopping while waiting for a model");
            }
        };
        runner(Duration.ofSeconds(30)).batch(batch("a"), stops).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(commits.offsets.isEmpty());
        assertTrue(deadLetters.letters.isEmpty());
        assertTrue(output.messages.isEmpty());
    }

    @Test
    void untilAcknowledgedRetriesWithTheBackoffAndStopsOnTheStopCheck() {
        AtomicInteger calls = new AtomicInteger();
        List<String> retries = new ArrayList<>();
        boolean acked = AcknowledgedSend.untilAcknowledged("3 values", () -> calls.incrementAndGet() < 4
            ? CompletableFuture.failedFuture(new IllegalStateException("broker down")) : CompletableFuture.completedFuture(null),
            Duration.ofSeconds(1), new Backoff(Duration.ofMillis(1), Duration.ofMillis(2)), () -> false, e -> retries.add(e.getMessage()));
        assertTrue(acked);
        assertEquals(4, calls.get());
        assertEquals(3, retries.size());
        assertTrue(retries.get(0).contains("Kafka refused 3 values: broker down"), retries.get(0));

        AtomicInteger stopped = new AtomicInteger();
        boolean gaveUp = AcknowledgedSend.untilAcknowledged("1 value", () -> {
            stopped.incrementAndGet();
            return new CompletableFuture<>();
        }, Duration.ofMillis(1), new Backoff(Duration.ofMillis(1), Duration.ofMillis(2)), () -> stopped.get() >= 2, e -> { });
        assertFalse(gaveUp, "a send never acknowledged is given up once the service stops");
        assertEquals(2, stopped.get());

        AtomicInteger thrown = new AtomicInteger();
        assertTrue(AcknowledgedSend.untilAcknowledged("1 value", () -> {
            if (thrown.incrementAndGet() == 1) {
                throw new IllegalStateException("emitter not ready");
            }
            return CompletableFuture.completedFuture(null);
        }, Duration.ofSeconds(1), new Backoff(Duration.ofMillis(1), Duration.ofMillis(1)), () -> false, e -> { }),
            "a send that throws is tried again");
    }

    @Test
    void theBackoffDoublesUpToItsLongestWaitAndRefusesNonsense() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(350));
        assertEquals(Duration.ofMillis(200), backoff.next(backoff.initial()));
        assertEquals(Duration.ofMillis(350), backoff.next(Duration.ofMillis(200)));
        assertEquals(Duration.ofMillis(350), backoff.next(Duration.ofMillis(350)));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }

    @Test
    void statusIsReportedOncePerBatchWithCountersAddedInOneStep() throws Exception {
        runner(Duration.ofSeconds(30)).batch(batch("a", "b", "c", "d", "e"), new Doubling()).toCompletableFuture()
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(1, status.reports.size(), "one report per batch, not per record: " + status.reports);
        assertEquals(TaskState.SUCCEEDED, status.reports.get(0).state());
        assertEquals("produced 5 (5 so far)", status.reports.get(0).reason());
        assertEquals(List.of("consumed+5", "produced+5", "failed+0"), status.increments,
            "each counter grows once per batch by the batch's count");
        assertEquals(5, registry.get("tffashion.demotask.batch.size").summary().totalAmount());
        assertEquals(1, registry.get("tffashion.demotask.batch.size").summary().count());
    }

    @Test
    void aSingleRecordIsAcknowledgedAfterItsWorkAndDeadLetteredWithTheCodeOfItsRefusal() throws Exception {
        TaskRunner runner = runner(Duration.ofSeconds(30));
        List<IncomingKafkaRecord<String, byte[]>> records = batchOf(List.of(Json.toBytes(value("good")),
            Json.toBytes(value("bad")), Json.toBytes(value("late")))).getRecords().stream()
            .map(r -> (IncomingKafkaRecord<String, byte[]>) r).toList();
        List<String> worked = new ArrayList<>();
        List<String> parseRefusals = new ArrayList<>();
        for (IncomingKafkaRecord<String, byte[]> record : records) {
            runner.single(record, TaskRunner::value, v -> {
                if (v.id().equals("bad")) {
                    throw new RefusedException("recipe", "line 3: unknown key 'epoch'; did you mean 'epochs'?");
                }
                if (v.id().equals("late")) {
                    throw new TaskStoppedException("stopping");
                }
                worked.add(v.id());
            }, e -> parseRefusals.add(e.code())).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        assertEquals(List.of("good"), worked);
        assertEquals(List.of(0L), commits.offsets, "the good record is acknowledged; the stopped one is not");
        assertEquals(1, deadLetters.letters.size());
        assertEquals(1L, deadLetters.letters.get(0).offset());
        assertEquals("recipe", deadLetters.letters.get(0).code());
        assertTrue(parseRefusals.isEmpty());

        IncomingKafkaRecord<String, byte[]> garbage = (IncomingKafkaRecord<String, byte[]>) batchOf(List.of("{not json"
            .getBytes(StandardCharsets.UTF_8))).getRecords().get(0);
        runner.single(garbage, TaskRunner::value, v -> worked.add(v.id()), e -> parseRefusals.add(e.code())).toCompletableFuture()
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(List.of(RefusedException.MALFORMED_VALUE), parseRefusals);
        assertEquals(RefusedException.MALFORMED_VALUE, deadLetters.letters.get(1).code());
    }

    @Test
    void eachRecordKeepsItsOwnTraceAndTheBatchSpanLinksThemAll() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
        String traceA = "0af7651916cd43dd8448eb211c80319c";
        String traceB = "4bf92f3577b34da6a3ce929d0e0e4736";
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        String[] traces = {traceA, traceB};
        for (int i = 0; i < 2; i++) {
            RecordHeaders headers = new RecordHeaders();
            headers.add("traceparent", ("00-" + traces[i] + "-b7ad6b716920333" + i + "-01").getBytes(StandardCharsets.UTF_8));
            records.add(new ConsumerRecord<>(TOPIC, 0, i, 0L, TimestampType.CREATE_TIME, -1, -1, "key-" + i,
                ("p" + i).getBytes(StandardCharsets.UTF_8), headers, java.util.Optional.empty()));
        }
        IncomingKafkaRecordBatch<String, byte[]> batch = new IncomingKafkaRecordBatch<>(new ConsumerRecords<>(Map.of(partition,
            records), Map.of()), "in", 0, commits, deadLetters, false, false);

        runner(Duration.ofSeconds(30)).traced(new PipelineTracing(sdk, true)).batch(batch, new Doubling()).toCompletableFuture()
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);

        List<SpanData> ended = spans.getFinishedSpanItems();
        List<SpanData> process = ended.stream().filter(s -> s.getName().equals("demoTask process")).toList();
        assertEquals(2, process.size(), ended.toString());
        SpanData first = process.stream().filter(s -> s.getTraceId().equals(traceA)).findFirst().orElseThrow();
        assertEquals("b7ad6b7169203330", first.getParentSpanId(), "the first record's span continues the trace its headers carry");
        assertEquals("p0-twice", first.getAttributes().get(PipelineTracing.OUTPUT_ID));
        SpanData second = process.stream().filter(s -> s.getTraceId().equals(traceB)).findFirst().orElseThrow();
        assertEquals("b7ad6b7169203331", second.getParentSpanId(), "the second record keeps its own trace");
        SpanData batchSpan = ended.stream().filter(s -> s.getName().equals("demoTask batch")).findFirst().orElseThrow();
        assertEquals(2L, batchSpan.getAttributes().get(PipelineTracing.BATCH_SIZE));
        assertEquals(2, batchSpan.getLinks().size(), "the batch span links each record's span");
        assertEquals(traceA, batchSpan.getTraceId(), "the batch runs in the first record's trace");
        // Each value carries its own record's trace context onward
        for (Message<?> message : output.messages) {
            AnnotatedValue value = (AnnotatedValue) message.getPayload();
            String trace = value.id().startsWith("p0") ? traceA : traceB;
            Header traceparent = message.getMetadata(OutgoingKafkaRecordMetadata.class).orElseThrow().getHeaders()
                .lastHeader("traceparent");
            assertNotNull(traceparent, "the value " + value.id() + " carries a traceparent header");
            String header = new String(traceparent.value(), StandardCharsets.UTF_8);
            SpanData own = process.stream().filter(s -> s.getTraceId().equals(trace)).findFirst().orElseThrow();
            assertEquals("00-" + trace + "-" + own.getSpanId() + "-01", header);
        }
    }

    @Test
    void untracedRecordsGetNoTraceHeader() throws Exception {
        runner(Duration.ofSeconds(30)).batch(batch("a"), new Doubling()).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        var metadata = output.messages.get(0).getMetadata(OutgoingKafkaRecordMetadata.class).orElseThrow();
        assertTrue(metadata.getHeaders() == null || metadata.getHeaders().lastHeader("traceparent") == null,
            "tracing off: no trace header");
    }

    // ---- fixtures: SmallRye's batch and record classes, with recording commit and failure handlers

    private IncomingKafkaRecordBatch<String, byte[]> batch(String... ids) {
        List<byte[]> values = new ArrayList<>();
        for (String id : ids) {
            values.add(id.getBytes(StandardCharsets.UTF_8));
        }
        return batchOf(values);
    }

    private IncomingKafkaRecordBatch<String, byte[]> batchOf(List<byte[]> values) {
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            records.add(new ConsumerRecord<>(TOPIC, 0, i, "key-" + i, values.get(i)));
        }
        return new IncomingKafkaRecordBatch<>(new ConsumerRecords<>(Map.of(partition, records), Map.of()), "in", 0, commits,
            deadLetters, false, false);
    }

    private static AnnotatedValue value(String id) {
        return AnnotatedValue.builder().id(id).pipeline("tf-fashion").task("demoTask").output("out").type("tensor")
            .data("data:application/json;base64,e30=").mediaType("application/json").size(2)
            .sha256("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a").build();
    }

    private static void until(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within " + WAIT.toSeconds() + " s: " + what);
            }
            Thread.onSpinWait();
            Thread.sleep(1);
        }
    }

    /** Parses a record's bytes as a name and produces "name-twice". */
    private static class Doubling implements BatchTask<String> {
        @Override
        public String parse(KafkaRecord<String, byte[]> record) {
            return new String(record.getPayload(), StandardCharsets.UTF_8);
        }

        @Override
        public void work(List<String> inputs, Results<String> results) {
            results.eachAlone(inputs, input -> value(input + "-twice"));
        }
    }

    private static final class Commits implements KafkaCommitHandler {
        final List<Long> offsets = new CopyOnWriteArrayList<>();

        @Override
        public <K, V> Uni<Void> handle(IncomingKafkaRecord<K, V> record) {
            offsets.add(record.getOffset());
            return Uni.createFrom().voidItem();
        }
    }

    private record DeadLetter(long offset, Throwable reason, String code) {
    }

    private static final class DeadLetterQueue implements KafkaFailureHandler {
        final List<DeadLetter> letters = new CopyOnWriteArrayList<>();

        @Override
        public <K, V> Uni<Void> handle(IncomingKafkaRecord<K, V> record, Throwable reason, Metadata metadata) {
            OutgoingKafkaRecordMetadata<?> outgoing = metadata.get(OutgoingKafkaRecordMetadata.class).orElse(null);
            assertNotNull(outgoing, "a dead letter carries outgoing metadata with its code");
            Header code = outgoing.getHeaders().lastHeader(DeadLetters.CODE);
            letters.add(new DeadLetter(record.getOffset(), reason, code == null ? null : new String(code.value(),
                StandardCharsets.UTF_8)));
            return Uni.createFrom().voidItem();
        }
    }

    private record Report(TaskState state, String reason, Map<String, Object> details) {
    }

    private static final class RecordingStatus implements StatusSink {
        final List<Report> reports = new CopyOnWriteArrayList<>();
        final List<String> increments = new CopyOnWriteArrayList<>();
        final Map<String, Long> totals = new HashMap<>();

        @Override
        public synchronized long increment(String task, String counter, long delta) {
            increments.add(counter + "+" + delta);
            return totals.merge(counter, delta, Long::sum);
        }

        @Override
        public void report(String task, TaskState state, String reason, Map<String, Object> details) {
            reports.add(new Report(state, reason, details));
        }
    }

    /** An emitter whose messages Kafka "acknowledges" at once, on demand, or refuses. */
    private static final class RecordingEmitter implements Emitter<AnnotatedValue> {
        final List<Message<? extends AnnotatedValue>> messages = new CopyOnWriteArrayList<>();
        volatile boolean autoAck = true;
        volatile BooleanSupplier refuse = () -> false;
        volatile Runnable onSend = () -> { };

        List<String> ids() {
            return messages.stream().map(m -> m.getPayload().id()).toList();
        }

        @Override
        public CompletionStage<Void> send(AnnotatedValue value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <M extends Message<? extends AnnotatedValue>> void send(M message) {
            messages.add(message);
            if (message.getPayload().id().endsWith("-twice") && refuse.getAsBoolean()) {
                message.nack(new IllegalStateException("not enough replicas"));
            } else if (autoAck) {
                message.ack();
            }
            onSend.run();
        }

        @Override
        public void complete() {
        }

        @Override
        public void error(Exception e) {
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public boolean hasRequests() {
            return true;
        }
    }
}
