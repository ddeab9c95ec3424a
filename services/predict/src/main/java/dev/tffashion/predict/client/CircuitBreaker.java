package dev.tffashion.predict.client;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The circuit breaker of {@link TfServingClient}: opens after a number of consecutive failed calls, fails calls fast while open,
 * then lets one trial call through (half-open) whose outcome closes or reopens it.
 */
public final class CircuitBreaker {

    /** The breaker's state. */
    public enum State {
        CLOSED, OPEN, HALF_OPEN
    }

    private final int failureThreshold;
    private final long openForNanos;
    private final LongSupplier nanoTime;

    private State state = State.CLOSED;
    private int failures;
    private long openedAt;
    private boolean trialInFlight;

    public CircuitBreaker(int failureThreshold, Duration openFor) {
        this(failureThreshold, openFor, System::nanoTime);
    }

    CircuitBreaker(int failureThreshold, Duration openFor, LongSupplier nanoTime) {
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("predict.grpc.circuit-breaker.failure-threshold must be at least 1, got "
                + failureThreshold);
        }
        this.failureThreshold = failureThreshold;
        this.openForNanos = openFor.toNanos();
        this.nanoTime = nanoTime;
    }

    /** Whether a call may go out now; while half-open only one trial call at a time. */
    public synchronized boolean allow() {
        if (state == State.OPEN && nanoTime.getAsLong() - openedAt >= openForNanos) {
            state = State.HALF_OPEN;
            trialInFlight = false;
        }
        if (state == State.HALF_OPEN) {
            if (trialInFlight) {
                return false;
            }
            trialInFlight = true;
            return true;
        }
        return state == State.CLOSED;
    }

    /** The server answered: close the circuit. */
    public synchronized void success() {
        state = State.CLOSED;
        failures = 0;
        trialInFlight = false;
    }

    /** The call failed for want of a server: count it, open the circuit at the threshold or after a failed trial. */
    public synchronized void failure() {
        failures++;
        if (state == State.HALF_OPEN || failures >= failureThreshold) {
            state = State.OPEN;
            openedAt = nanoTime.getAsLong();
            trialInFlight = false;
        }
    }

    public synchronized State state() {
        if (state == State.OPEN && nanoTime.getAsLong() - openedAt >= openForNanos) {
            return State.HALF_OPEN;
        }
        return state;
    }

    /** Time left before the open circuit lets a trial call through (zero unless open). */
    public synchronized Duration retryIn() {
        if (state != State.OPEN) {
            return Duration.ZERO;
        }
        return Duration.ofNanos(Math.max(0, openForNanos - (nanoTime.getAsLong() - openedAt)));
    }

    /** Consecutive failures counted so far. */
    public synchronized int failures() {
        return failures;
    }
}
