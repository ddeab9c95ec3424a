package dev.tffashion.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClassificationTest {

    @Test
    void readsProbabilities() {
        float[] p = {0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.02f, 0.9f};
        Classification c = Classification.of(p, "m");
        assertEquals(9, c.label());
        assertEquals("Ankle boot", c.className());
        assertEquals(0.9f, c.score());
        assertArrayEquals(p, c.probabilities());
        assertFalse(c.fromLogits());
    }

    @Test
    void turnsLogitsIntoProbabilities() {
        float[] logits = {2, -1, 0, 0, 0, 0, 0, 0, 0, 5};
        Classification c = Classification.of(logits, "m");
        assertTrue(c.fromLogits());
        assertEquals(9, c.label());
        double sum = 0;
        for (float v : c.probabilities()) {
            sum += v;
        }
        assertEquals(1.0, sum, 1e-5);
        assertEquals("Trouser", Classification.CLASS_NAMES.get(1));
    }

    @Test
    void refusesAnOutputThatIsNotTenScores() {
        var e = assertThrows(ServingFailedException.class, () -> Classification.of(new float[3], "m v1"));
        assertTrue(e.getMessage().contains("3 scores"), e.getMessage());
        assertThrows(ServingFailedException.class, () -> Classification.of(new float[] {Float.NaN, 0, 0, 0, 0, 0, 0, 0, 0, 1}, "m"));
    }
}
