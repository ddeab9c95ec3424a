package dev.tffashion.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class PredictorPrepareTest {

    @Test
    void aPreparingCallSendsOneInstanceOfTheDeclaredShape() {
        assertArrayEquals(new long[] {28, 28}, Predictor.warmupDims(new long[] {-1, 28, 28}));
        assertArrayEquals(new long[] {784}, Predictor.warmupDims(new long[] {-1, 784}));
        assertArrayEquals(new long[] {28, 28, 1}, Predictor.warmupDims(new long[] {8, 28, 28, 1}));
    }

    @Test
    void noPreparingCallWhenAnInstanceIsNotFixedOrTooLarge() {
        assertNull(Predictor.warmupDims(null));
        assertNull(Predictor.warmupDims(new long[] {-1}));
        assertNull(Predictor.warmupDims(new long[] {-1, -1, 28}));
        assertNull(Predictor.warmupDims(new long[] {-1, 0}));
        assertNull(Predictor.warmupDims(new long[] {-1, 4096, 4096}));
    }
}
