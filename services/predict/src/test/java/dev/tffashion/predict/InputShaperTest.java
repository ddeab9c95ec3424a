package dev.tffashion.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class InputShaperTest {

    private static final int[] PICTURE = {28, 28};

    @Test
    void shapesAPictureForTheDeclaredInput() {
        assertArrayEquals(new long[] {28, 28}, InputShaper.instanceDims(new long[] {-1, 28, 28}, PICTURE));
        assertArrayEquals(new long[] {784}, InputShaper.instanceDims(new long[] {-1, 784}, PICTURE));
        assertArrayEquals(new long[] {28, 28, 1}, InputShaper.instanceDims(new long[] {-1, 28, 28, 1}, PICTURE));
        assertArrayEquals(new long[] {28, 28}, InputShaper.instanceDims(new long[] {-1, 28, 28}, new int[] {784}));
    }

    @Test
    void infersOneUnknownDimension() {
        assertArrayEquals(new long[] {784}, InputShaper.instanceDims(new long[] {-1, -1}, PICTURE));
        assertArrayEquals(new long[] {28, 28, 1}, InputShaper.instanceDims(new long[] {-1, 28, -1, 1}, PICTURE));
    }

    @Test
    void keepsTheTensorsOwnShapeWhenNothingFits() {
        assertArrayEquals(new long[] {28, 27}, InputShaper.instanceDims(new long[] {-1, 28, 28}, new int[] {28, 27}));
        assertArrayEquals(new long[] {28, 28}, InputShaper.instanceDims(null, PICTURE));
        assertArrayEquals(new long[] {28, 28}, InputShaper.instanceDims(new long[] {-1, -1, -1}, PICTURE));
    }

    @Test
    void maxBatchFollowsAFixedFirstDimension() {
        assertEquals(Integer.MAX_VALUE, InputShaper.maxBatch(new long[] {-1, 784}));
        assertEquals(1, InputShaper.maxBatch(new long[] {1, 28, 28}));
        assertEquals(Integer.MAX_VALUE, InputShaper.maxBatch(null));
    }
}
