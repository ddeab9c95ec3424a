package dev.tffashion.filedrop.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

/**
 * A dropped value waits in the index's pending values until Kafka Streams' global thread writes it to the store and then takes it
 * out of pending. A reader looks in both; the value may move between its two looks. These tests move it right after the first look
 * and check that {@link ValueIndex#lookUp} still finds it (looking at the store first missed it: a GET right after a drop answered
 * 404, about once in a hundred drops on a running pipeline).
 */
class ValueIndexLookUpTest {

    /** One value, in pending until {@link #move} runs, then in the store (written first, then taken out of pending). */
    private static final class Moving {
        final AtomicBoolean inStore = new AtomicBoolean();
        final AtomicBoolean inPending = new AtomicBoolean(true);
        int looks;

        void move() {
            inStore.set(true);
            inPending.set(false);
        }

        /** A look at one place; the value moves right after the first look, whichever place that was. */
        Supplier<Optional<String>> look(AtomicBoolean place) {
            return () -> {
                Optional<String> found = place.get() ? Optional.of("value") : Optional.empty();
                if (++looks == 1) {
                    move();
                }
                return found;
            };
        }
    }

    @Test
    void aValueMovingToTheStoreBetweenTheTwoLooksIsFound() {
        var value = new Moving();
        assertEquals(Optional.of("value"), ValueIndex.lookUp(value.look(value.inPending), value.look(value.inStore)));
    }

    @Test
    void aValueAlreadyInTheStoreIsFound() {
        var value = new Moving();
        value.move();
        assertEquals(Optional.of("value"), ValueIndex.lookUp(value.look(value.inPending), value.look(value.inStore)));
    }

    @Test
    void theStoreFirstOrderMissesAMovingValue() {
        // the order ValueIndex.get had: the check above is what tells the two apart
        var value = new Moving();
        assertEquals(Optional.empty(), ValueIndex.lookUp(value.look(value.inStore), value.look(value.inPending)));
    }

    @Test
    void anUnknownIdIsNotFound() {
        Supplier<Optional<String>> none = Optional::empty;
        assertEquals(Optional.empty(), ValueIndex.lookUp(none, none));
    }
}
