package dev.tffashion.predict.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private final AtomicLong now = new AtomicLong();
    private final CircuitBreaker breaker = new CircuitBreaker(2, Duration.ofSeconds(5), now::get);

    @Test
    void opensAfterConsecutiveFailuresAndFailsFast() {
        assertTrue(breaker.allow());
        breaker.failure();
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
        breaker.failure();
        assertEquals(CircuitBreaker.State.OPEN, breaker.state());
        assertFalse(breaker.allow());
        assertEquals(Duration.ofSeconds(5), breaker.retryIn());
    }

    @Test
    void letsOneTrialThroughAfterTheOpenPeriod() {
        breaker.failure();
        breaker.failure();
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state());
        assertTrue(breaker.allow());
        assertFalse(breaker.allow(), "only one trial at a time");
        breaker.failure();
        assertEquals(CircuitBreaker.State.OPEN, breaker.state());
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertTrue(breaker.allow());
        breaker.success();
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
        assertTrue(breaker.allow());
        assertEquals(0, breaker.failures());
    }

    @Test
    void aSuccessResetsTheCount() {
        breaker.failure();
        breaker.success();
        breaker.failure();
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
    }
}
