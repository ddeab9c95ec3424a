package dev.tffashion.filedrop;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.tffashion.filedrop.config.FileDropConfig;
import dev.tffashion.filedrop.messaging.DropPublisher;
import dev.tffashion.filedrop.messaging.ValueIndex;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.status.TaskState;
import dev.tffashion.pipeline.store.ContentRef;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.ContentStoreException;
import dev.tffashion.pipeline.store.ContentStoreFullException;
import dev.tffashion.pipeline.store.Contents;
import dev.tffashion.pipeline.store.Hashing;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Accepts drops: checks the content, stores it (inline or in the content store), publishes the annotated value on the task's
 * {@code droppedFile} topic and answers with its id. A drop with an {@code Idempotency-Key} gets an id derived from the key
 * ({@link ValueIds#forIdempotencyKey}): a retry returns the first drop's id (refused with 422 when its content differs), and a
 * retry that reaches another replica, or races the first, publishes the same id, which readers drop as a copy.
 */
@ApplicationScoped
public class DropService {

    /** Annotation holding the client's Idempotency-Key. */
    public static final String IDEMPOTENCY_KEY = "idempotencyKey";
    /** Annotation holding the uploaded file name, if any. */
    public static final String FILE_NAME = "fileName";

    private static final Logger LOG = Logger.getLogger(DropService.class);

    private final Map<String, String> inFlightKeys = new ConcurrentHashMap<>();
    /** The accepted-drops counter of each task, looked up once: every drop increments one. */
    private final Map<String, Counter> acceptedCounters = new ConcurrentHashMap<>();

    @Inject
    FileDropConfig config;

    @Inject
    PipelineGraph graph;

    @Inject
    ContentStore store;

    @Inject
    DropPublisher publisher;

    @Inject
    ValueIndex index;

    @Inject
    MeterRegistry registry;

    @Inject
    StatusReporter status;

    /** The result of a drop: the value, and whether it was an idempotent replay of an earlier one. */
    public record Accepted(AnnotatedValue value, boolean replayed) {
    }

    /**
     * Checks, stores and publishes one drop on {@code scriptInput} or {@code imageInput}. The checks and the store run on the
     * calling thread; the future completes once Kafka has acknowledged the value (no thread waits for it), or fails with the
     * {@link DropRefusedException} that says why it was not accepted.
     */
    public CompletableFuture<Accepted> drop(String task, byte[] bytes, String fileName, String idempotencyKey) {
        CompletableFuture<Accepted> accepted;
        try {
            accepted = accept(task, bytes, fileName, idempotencyKey);
        } catch (RuntimeException e) {
            accepted = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Accepted> told = new CompletableFuture<>();
        accepted.whenComplete((done, error) -> {
            if (error == null) {
                acceptedCounters.computeIfAbsent(task, t -> registry.counter("tffashion.drops.accepted", "task", t)).increment();
                if (!done.replayed()) {
                    status.increment(task, "accepted");
                    status.report(task, TaskState.SUCCEEDED, "accepted " + (fileName == null ? done.value().id() : fileName));
                }
                told.complete(done);
                return;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof DropRefusedException e) {
                registry.counter("tffashion.drops.refused", "task", task, "reason", e.reason()).increment();
                LOG.infof("refused %s drop (%s): %s", task, e.reason(), e.getMessage());
                status.increment(task, "refused");
                status.report(task, TaskState.FAILED, "last drop refused: " + e.getMessage());
            }
            told.completeExceptionally(cause);
        });
        return told;
    }

    private CompletableFuture<Accepted> accept(String task, byte[] bytes, String fileName, String idempotencyKey) {
        String key = idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey.strip();
        String id = key == null ? ValueIds.random() : ValueIds.forIdempotencyKey(graph.name(), task, key);
        if (key != null) {
            if (!index.awaitCaughtUp(config.publishTimeout())) {
                throw new DropRefusedException(503, "index-loading", "file-drop is still reading Kafka to know which drops it has"
                        + " already accepted, so it cannot tell whether this Idempotency-Key was used before",
                        "nothing was accepted; retry the same request with the same Idempotency-Key in a few seconds");
            }
            Optional<AnnotatedValue> earlier = index.get(id);
            if (earlier.isPresent()) {
                String sha256 = Hashing.sha256Hex(bytes);
                if (earlier.get().sha256() != null && !earlier.get().sha256().equals(sha256)) {
                    throw new DropRefusedException(422, "idempotency-key-reused", "the Idempotency-Key '" + key + "' was used"
                            + " before, for a different " + what(task) + " (value " + id
                            + ", sha256 " + earlier.get().sha256() + "; this one has sha256 " + sha256 + ")",
                            "use a new Idempotency-Key for new content; the same key only for retries of the same request");
                }
                return CompletableFuture.completedFuture(new Accepted(earlier.get(), true));
            }
        }
        checkSize(task, bytes.length);
        String mediaType = "imageInput".equals(task) ? ImageCheck.check(bytes, config.maxImagePixels()).mediaType()
                : ScriptCheck.check(bytes, fileName);
        if (key != null && inFlightKeys.putIfAbsent(id, task) != null) {
            throw new DropRefusedException(409, "in-flight", "a drop with the same Idempotency-Key is being stored right now",
                    "retry in a moment to get its id");
        }
        CompletableFuture<Accepted> accepted;
        try {
            ContentRef content = stored(task, bytes, mediaType);
            PipelineGraph.Output output = graph.output(task, "droppedFile");
            AnnotatedValue value = AnnotatedValue.builder().id(id).pipeline(graph.name()).task(task)
                    .output(output.name()).type(output.type().wireName()).content(content).createdAt(Instant.now())
                    .annotation(FILE_NAME, fileName).annotation(IDEMPOTENCY_KEY, key)
                    .build();
            // once acknowledged, on the worker thread the publisher completes on (the index's look-up may wait while its
            // stores restart; Kafka's callback thread must not)
            accepted = publisher.publish(task, value).thenApply(acknowledged -> {
                index.add(value);
                // A recipe is logged; a picture only at DEBUG: at hundreds a second the line would cost more than the drop
                LOG.logf("imageInput".equals(task) ? Logger.Level.DEBUG : Logger.Level.INFO, "accepted %s drop %s (%s, %d bytes%s)",
                        task, value.id(), mediaType, bytes.length, fileName == null ? "" : ", " + fileName);
                return new Accepted(value, false);
            });
        } catch (RuntimeException e) {
            accepted = CompletableFuture.failedFuture(e);
        }
        if (key != null) {
            accepted.whenComplete((done, error) -> inFlightKeys.remove(id));
        }
        return accepted;
    }

    /**
     * The content, inline or in the content store. A store that cannot take it refuses the drop with what to do: {@code 507}
     * when it is full (the next drop after space is freed succeeds), {@code 503} when it cannot be written for another reason.
     */
    private ContentRef stored(String task, byte[] bytes, String mediaType) {
        String what = what(task);
        try {
            return Contents.store(store, bytes, mediaType);
        } catch (ContentStoreFullException e) {
            throw new DropRefusedException(507, "store-full", "the " + what + " could not be stored: " + e.getMessage(),
                    "nothing was accepted; once the content store has room, send the same request again");
        } catch (ContentStoreException e) {
            throw new DropRefusedException(503, "store-unavailable", "the " + what + " could not be stored: " + e.getMessage(),
                    "nothing was accepted; send the same request again once the content store can be written (file-drop's log"
                            + " has the cause)");
        }
    }

    /** Throws 413 as soon as a declared or counted body size exceeds the task's limit. */
    public void checkSize(String task, long size) {
        long max = limit(task);
        if (size > max) {
            throw new DropRefusedException(413, "too-large", "the " + what(task) + " is " + size + " bytes, more than the limit of "
                    + max + " bytes", tooLargeHint(task));
        }
    }

    /** What to do about a drop over the task's limit: the hint of every 413, naming the property that sets the limit. */
    public static String tooLargeHint(String task) {
        return "send a smaller file, or raise the limit (file-drop.max-" + ("imageInput".equals(task) ? "image" : "script") + "-bytes)";
    }

    /** What a task's drops are called in answers: "picture" (imageInput) or "script" (scriptInput). */
    public static String what(String task) {
        return "imageInput".equals(task) ? "picture" : "script";
    }

    /** The file name the answers' curl examples use for a task's drops: "garment.png" (imageInput) or "recipe.yaml" (scriptInput). */
    public static String exampleFile(String task) {
        return "imageInput".equals(task) ? "garment.png" : "recipe.yaml";
    }

    /** The byte limit of a task's drops. */
    public long limit(String task) {
        return "imageInput".equals(task) ? config.maxImageBytes() : config.maxScriptBytes();
    }
}
