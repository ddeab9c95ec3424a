package dev.tffashion.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class PredictorPrepareTest {

    @Test
    void aPreparingCallSendsOneInstanceOfTheDeclaredShape() {
        assertArrayEquals(new long[] {1, 28, 28}, Predictor.zeroInstance(new long[] {-1, 28, 28}).shape());
        assertArrayEquals(new long[] {1, 784}, Predictor.zeroInstance(new long[] {-1, 784}).shape());
        assertArrayEquals(new long[] {1, 28, 28, 1}, Predictor.zeroInstance(new long[] {8, 28, 28, 1}).shape());
    }

    @Test
    void noPreparingCallWhenAnInstanceIsNotFixedOrTooLarge() {
        assertNull(Predictor.zeroInstance(null));
        assertNull(Predictor.zeroInstance(new long[] {-1}));
        assertNull(Predictor.zeroInstance(new long[] {-1, -1, 28}));
        assertNull(Predictor.zeroInstance(new long[] {-1, 0}));
        assertNull(Predictor.zeroInstance(new long[] {-1, 4096, 4096}));
    }
}
