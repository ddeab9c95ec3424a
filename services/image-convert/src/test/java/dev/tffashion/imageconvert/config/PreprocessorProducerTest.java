package dev.tffashion.imageconvert.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tffashion.imageconvert.Centering;
import dev.tffashion.imageconvert.Preprocessor;
import dev.tffashion.imageconvert.PreprocessorOptions;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** The service starts, and its preprocessor carries the configured settings. */
@QuarkusTest
class PreprocessorProducerTest {

    @Inject
    Preprocessor preprocessor;

    @Test
    void preprocessorIsConfigured() {
        PreprocessorOptions options = preprocessor.options();
        assertEquals(40_000_000L, options.maxPixels(), "from %test in application.properties");
        assertEquals(Centering.BOUNDING_BOX, options.centering());
        assertEquals(PreprocessorOptions.DEFAULT_MAX_DECODE_SIDE, options.maxDecodeSide());
    }
}
