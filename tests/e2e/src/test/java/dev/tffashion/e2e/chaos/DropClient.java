package dev.tffashion.e2e.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import dev.tffashion.e2e.Jsons;

/**
 * Drops files on file-drop as a user's client would: each drop carries its own {@code Idempotency-Key}, and a drop that got no
 * answer, a 5xx or a 409 (the same key still being stored) is sent again with the same key until it gets a 202 or a 4xx, or
 * until the give-up time passes. With several file-drop replicas, drops alternate between them and each retry goes to the next
 * one, as behind a round-robin load balancer. Writes to POST /imageInput and /scriptInput only.
 */
final class DropClient {

    /** How one drop ended for the user: accepted (202, with the id), refused (4xx other than 409), or given up. */
    enum Result {
        ACCEPTED, REFUSED, GAVE_UP
    }

    /** One drop as the user saw it; times are epoch milliseconds of this machine's clock. */
    static final class Drop {
        final int index;
        final String task;
        final String name;
        final String key;
        final boolean expectDeadLetter;
        volatile long dueMillis;
        volatile long firstSentMillis;
        volatile long answeredMillis;
        volatile int attempts;
        volatile Result result;
        volatile String id;
        volatile boolean replayed;
        volatile String refusal;
        volatile String lastError;

        Drop(int index, String task, String name, String key, boolean expectDeadLetter) {
            this.index = index;
            this.task = task;
            this.name = name;
            this.key = key;
            this.expectDeadLetter = expectDeadLetter;
        }

        boolean accepted() {
            return result == Result.ACCEPTED;
        }
    }

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(3)).build();
    private final List<URI> bases;
    private final Duration giveUpAfter;

    DropClient(List<URI> bases, Duration giveUpAfter) {
        if (bases.isEmpty()) {
            throw new IllegalArgumentException("no file-drop to send to");
        }
        this.bases = List.copyOf(bases);
        this.giveUpAfter = giveUpAfter;
    }

    /** Sends the drop until it is answered for good; fills in its outcome. */
    void send(Drop drop, byte[] content) {
        drop.firstSentMillis = System.currentTimeMillis();
        if (drop.dueMillis == 0) {
            drop.dueMillis = drop.firstSentMillis;
        }
        long deadline = System.nanoTime() + giveUpAfter.toNanos();
        long backoffMillis = 200;
        var path = "/" + drop.task + "?name=" + URLEncoder.encode(drop.name, StandardCharsets.UTF_8);
        while (true) {
            var base = bases.get((drop.index + drop.attempts) % bases.size());
            var request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(REQUEST_TIMEOUT).header("Content-Type", "application/octet-stream").header("Idempotency-Key", drop.key)
                .POST(HttpRequest.BodyPublishers.ofByteArray(content)).build();
            drop.attempts++;
            try {
                var response = http.send(request, HttpResponse.BodyHandlers.ofString());
                int code = response.statusCode();
                if (code == 202) {
                    var body = Jsons.read(response.body());
                    drop.id = body.path("id").asText();
                    drop.replayed = body.path("replayed").asBoolean(false);
                    drop.result = Result.ACCEPTED;
                    drop.answeredMillis = System.currentTimeMillis();
                    return;
                }
                if (code >= 400 && code < 500 && code != 409) {
                    drop.result = Result.REFUSED;
                    drop.refusal = code + " " + Jsons.read(response.body()).path("error").asText(response.body());
                    drop.answeredMillis = System.currentTimeMillis();
                    return;
                }
                drop.lastError = "HTTP " + code + ": " + response.body();
            } catch (IOException e) {
                drop.lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                drop.result = Result.GAVE_UP;
                return;
            } catch (IllegalArgumentException e) {
                drop.lastError = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                drop.result = Result.GAVE_UP;
                drop.answeredMillis = System.currentTimeMillis();
                return;
            }
            LockSupport.parkNanos(backoffMillis * 1_000_000L);
            backoffMillis = Math.min(2_000, backoffMillis * 2);
        }
    }
}
