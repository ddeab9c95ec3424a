package dev.tffashion.tfserving.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tffashion.tfserving.client.SignatureResolver.Choice;
import dev.tffashion.tfserving.client.SignatureResolver.TensorSpec;

/** The one rule both serve-manager and predict choose a signature's input and output by. */
class SignatureResolverTest {

    private static final TensorSpec PICTURES = new TensorSpec("DT_FLOAT", new long[] {-1, 28, 28}, false);
    private static final TensorSpec SCORES = new TensorSpec("DT_FLOAT", new long[] {-1, 10}, false);
    private static final TensorSpec SCALAR = new TensorSpec("DT_FLOAT", new long[] {}, false);
    private static final TensorSpec SCALAR_WITH_DEFAULT = new TensorSpec("DT_FLOAT", new long[] {}, true);

    @Test
    void takesTheOnlyInputAndOutputWhateverTheirNames() {
        Choice choice = resolve(Map.of("input_image", PICTURES), Map.of("dense_1", SCORES), null, null);
        assertEquals(new Choice("input_image", "dense_1"), choice);
    }

    @Test
    void prefersProbabilitiesToLogitsAndImagesToOtherNames() {
        Map<String, TensorSpec> outputs = ordered("logits", SCORES, "classes", SCORES, "probabilities", SCORES);
        assertEquals("probabilities", resolve(Map.of("images", PICTURES), outputs, null, null).output());
        assertEquals("predictions", resolve(Map.of("x", PICTURES), ordered("logits", SCORES, "predictions", SCORES), null, null)
            .output());
        assertEquals("logits", resolve(Map.of("x", PICTURES), ordered("logits", SCORES, "classes", SCORES), null, null).output());
    }

    @Test
    void anAnnouncedNameWinsAndMustExist() {
        Map<String, TensorSpec> outputs = ordered("logits", SCORES, "probabilities", SCORES);
        assertEquals("logits", resolve(Map.of("images", PICTURES), outputs, "images", "logits").output());
        TfServingException missing = assertThrows(TfServingException.class,
            () -> resolve(Map.of("images", PICTURES), outputs, "pixels", null));
        assertEquals(TfServingException.Kind.FAILED, missing.kind());
        assertTrue(missing.getMessage().contains("no input 'pixels'") && missing.getMessage().contains("[images]"),
            missing.getMessage());
    }

    @Test
    void aSecondInputWithoutDefaultIsRefusedTheSameWayForEveryCaller() {
        Map<String, TensorSpec> inputs = ordered("keep_prob", SCALAR, "input_image", PICTURES);
        TfServingException refused = assertThrows(TfServingException.class, () -> resolve(inputs, Map.of("output", SCORES), null,
            null));
        assertEquals(TfServingException.Kind.FAILED, refused.kind());
        assertTrue(refused.getMessage().contains("the picture goes to 'input_image'"), refused.getMessage());
        assertTrue(refused.getMessage().contains("[keep_prob]") && refused.getMessage().contains("no default value"),
            refused.getMessage());
        assertThrows(TfServingException.class, () -> resolve(inputs, Map.of("output", SCORES), "input_image", null));
    }

    @Test
    void aSecondInputWithADefaultMayBeLeftOut() {
        Map<String, TensorSpec> inputs = ordered("keep_prob", SCALAR_WITH_DEFAULT, "pixels", PICTURES);
        assertEquals("pixels", resolve(inputs, Map.of("output", SCORES), null, null).input());
    }

    @Test
    void refusesWhatItCannotTellApart() {
        Map<String, TensorSpec> inputs = ordered("a", PICTURES, "b", PICTURES);
        TfServingException refused = assertThrows(TfServingException.class, () -> resolve(inputs, Map.of("o", SCORES), null, null));
        assertTrue(refused.getMessage().contains("inputs [a, b] and none is named"), refused.getMessage());
        TfServingException noOutput = assertThrows(TfServingException.class, () -> resolve(Map.of("images", PICTURES), Map.of(),
            null, null));
        assertTrue(noOutput.getMessage().contains("no outputs"), noOutput.getMessage());
    }

    @Test
    void theInputMustBeFloat() {
        TensorSpec bytes = new TensorSpec("DT_STRING", new long[] {-1}, false);
        TfServingException refused = assertThrows(TfServingException.class,
            () -> resolve(Map.of("images", bytes), Map.of("probabilities", SCORES), null, null));
        assertTrue(refused.getMessage().contains("DT_STRING") && refused.getMessage().contains("DT_FLOAT"), refused.getMessage());
    }

    private static Choice resolve(Map<String, TensorSpec> inputs, Map<String, TensorSpec> outputs, String input, String output) {
        return SignatureResolver.resolve("signature 'serving_default' of m v1", inputs, outputs, input, output);
    }

    private static Map<String, TensorSpec> ordered(Object... namesAndSpecs) {
        Map<String, TensorSpec> map = new LinkedHashMap<>();
        for (int i = 0; i < namesAndSpecs.length; i += 2) {
            map.put((String) namesAndSpecs[i], (TensorSpec) namesAndSpecs[i + 1]);
        }
        return map;
    }
}
