package dev.tffashion.e2e.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.IntFunction;

import dev.tffashion.e2e.Jsons;

/**
 * The bench's load generator: pictures POSTed to file-drop's {@code /imageInput} with the JDK's asynchronous HttpClient
 * (non-blocking, HTTP/1.1, a bounded number of requests in flight), from one scheduling thread. Two modes:
 * <ul>
 *   <li>{@link #openLoop}: the i-th drop is due at {@code start + i / rate}, whatever the answers; when the in-flight
 *       window is full the scheduler waits, and the wait shows as lateness and in the latency (counted from the due time);</li>
 *   <li>{@link #closedLoop}: a fixed number of pictures in the pipeline, a new drop each time one gets its outcome
 *       (prediction or dead letter) on the topics: the pipeline's sustained throughput, with a bounded backlog.</li>
 * </ul>
 * Its threads are named {@value #THREADS}* (plus the HttpClient's own selector thread), so that its CPU is counted apart.
 */
final class LoadGenerator implements AutoCloseable {

    static final String THREADS = "bench-load";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /** One drop. Times are System.nanoTime(); {@code id} is file-drop's image id (202), else {@code failure} says why not. */
    static final class Drop {
        final int index;
        final long due;
        volatile long sent;
        volatile long answered;
        volatile String id;
        volatile String failure;

        Drop(int index, long due) {
            this.index = index;
            this.due = due;
        }
    }

    private final URI fileDrop;
    private final ExecutorService executor;
    private final ExecutorService scheduler;
    private final HttpClient http;
    private final AtomicInteger threadCount = new AtomicInteger();

    LoadGenerator(URI fileDrop) {
        this.fileDrop = fileDrop;
        executor = Executors.newFixedThreadPool(2, r -> {
            var t = new Thread(r, THREADS + "-http-" + threadCount.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        scheduler = Executors.newSingleThreadExecutor(r -> {
            var t = new Thread(r, THREADS + "-schedule");
            t.setDaemon(true);
            return t;
        });
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor)
            .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * Drops at a fixed rate for a duration, open loop; returns every drop once each has an HTTP answer or failure.
     *
     * @param start  when the first drop is due (System.nanoTime())
     * @param marks  {@code marks.atMark} runs on the scheduling thread when the first drop due at or after {@code markNanos} is
     *               due (the start of the measured window), {@code marks.atEnd} when the last one's interval is over
     */
    List<Drop> openLoop(double rate, Duration duration, int maxInFlight, IntFunction<byte[]> picture, long start, long markNanos,
            Marks marks) throws InterruptedException {
        return onScheduler(() -> openLoopHere(rate, duration, maxInFlight, picture, start, markNanos, marks));
    }

    private List<Drop> openLoopHere(double rate, Duration duration, int maxInFlight, IntFunction<byte[]> picture, long start,
            long markNanos, Marks marks) throws InterruptedException {
        var window = new Semaphore(maxInFlight);
        var drops = new ArrayList<Drop>();
        long end = start + duration.toNanos();
        boolean marked = false;
        for (int i = 0; ; i++) {
            long due = start + Math.round(i * 1e9 / rate);
            if (due >= end) {
                break;
            }
            if (!marked && due >= markNanos) {
                marked = true;
                parkUntil(due);
                marks.atMark().run();
            }
            parkUntil(due);
            window.acquire();
            var drop = new Drop(i, due);
            drops.add(drop);
            send(drop, picture.apply(i), () -> window.release(), null);
        }
        parkUntil(end);
        marks.atEnd().run();
        window.acquire(maxInFlight);
        window.release(maxInFlight);
        return drops;
    }

    /**
     * Keeps {@code inFlight} pictures in the pipeline for a duration: a new drop as soon as one of them has its outcome on
     * the topics or failed over HTTP; a picture without an outcome after {@code outcomeTimeout} frees its place and is
     * counted as failed ("no outcome within ..."). Stops early when {@code picture} answers null (no more pictures).
     */
    List<Drop> closedLoop(int inFlight, Duration duration, IntFunction<byte[]> picture, PipelineRecords records,
            Duration outcomeTimeout, long markNanos, Marks marks) throws InterruptedException {
        return onScheduler(() -> closedLoopHere(inFlight, duration, picture, records, outcomeTimeout, markNanos, marks));
    }

    private List<Drop> closedLoopHere(int inFlight, Duration duration, IntFunction<byte[]> picture, PipelineRecords records,
            Duration outcomeTimeout, long markNanos, Marks marks) throws InterruptedException {
        var window = new Semaphore(inFlight);
        var waiting = new ConcurrentHashMap<String, Drop>();
        records.onOutcome(id -> {
            if (waiting.remove(id) != null) {
                window.release();
            }
        });
        var drops = new ArrayList<Drop>();
        long end = System.nanoTime() + duration.toNanos();
        boolean marked = false;
        try {
            for (int i = 0; System.nanoTime() < end; ) {
                if (!marked && System.nanoTime() >= markNanos) {
                    marked = true;
                    marks.atMark().run();
                }
                if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    expire(waiting, window, outcomeTimeout);
                    continue;
                }
                var body = picture.apply(i);
                if (body == null) {
                    window.release();
                    break;
                }
                var drop = new Drop(i++, System.nanoTime());
                drops.add(drop);
                send(drop, body, () -> window.release(), answered -> {
                    waiting.put(answered.id, answered);
                    var trace = records.trace(answered.id);
                    if (trace != null && trace.done() && waiting.remove(answered.id) != null) {
                        window.release();
                    }
                });
            }
            marks.atEnd().run();
            long drain = System.nanoTime() + outcomeTimeout.toNanos();
            while (!window.tryAcquire(inFlight, 100, TimeUnit.MILLISECONDS) && System.nanoTime() < drain) {
                expire(waiting, window, outcomeTimeout);
            }
        } finally {
            records.onOutcome(id -> { });
        }
        return drops;
    }

    /** Runs a schedule on the generator's own long-lived thread, so that its CPU is counted with the generator's. */
    private List<Drop> onScheduler(Callable<List<Drop>> schedule) throws InterruptedException {
        try {
            return scheduler.submit(schedule).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("the load generator failed: " + e.getCause(), e.getCause());
        }
    }

    /** What to run at the start and at the end of the measured window. */
    record Marks(Runnable atMark, Runnable atEnd) {
    }

    private static void expire(Map<String, Drop> waiting, Semaphore window, Duration outcomeTimeout) {
        long now = System.nanoTime();
        for (var drop : waiting.values()) {
            if (now - drop.answered > outcomeTimeout.toNanos() && waiting.remove(drop.id) != null) {
                drop.failure = "no outcome within " + outcomeTimeout.toSeconds() + " s";
                window.release();
            }
        }
    }

    /** Sends one drop; {@code onFailure} runs when it failed over HTTP, else {@code onAccepted} (when given), else {@code onFailure}. */
    private void send(Drop drop, byte[] body, Runnable onAnswer, Consumer<Drop> onAccepted) {
        var request = HttpRequest.newBuilder(fileDrop.resolve("/imageInput?name=bench-" + drop.index + ".png"))
            .timeout(REQUEST_TIMEOUT).header("Content-Type", "application/octet-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        drop.sent = System.nanoTime();
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
            drop.answered = System.nanoTime();
            if (error != null) {
                drop.failure = describe(error);
            } else if (response.statusCode() != 202) {
                drop.failure = "HTTP " + response.statusCode();
            } else {
                try {
                    drop.id = Jsons.read(response.body()).path("id").asText(null);
                    if (drop.id == null) {
                        drop.failure = "HTTP 202 without an id";
                    }
                } catch (IllegalArgumentException e) {
                    drop.failure = "HTTP 202 with a body that is not JSON";
                }
            }
            if (drop.failure == null && onAccepted != null) {
                onAccepted.accept(drop);
            } else {
                onAnswer.run();
            }
        });
    }

    private static String describe(Throwable error) {
        var cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof HttpTimeoutException) {
            return "HTTP timeout (" + REQUEST_TIMEOUT.toSeconds() + " s)";
        }
        if (cause instanceof IOException) {
            return "HTTP I/O error (" + cause.getClass().getSimpleName() + ")";
        }
        return "client error (" + cause.getClass().getSimpleName() + ")";
    }

    private static void parkUntil(long due) {
        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
            LockSupport.parkNanos(wait);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        executor.shutdownNow();
    }
}
