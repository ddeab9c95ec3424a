package dev.tffashion.imageconvert.config;

import dev.tffashion.imageconvert.Preprocessor;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Makes the one {@link Preprocessor} of the service from its configuration. */
@Singleton
public class PreprocessorProducer {

    @Produces
    @Singleton
    Preprocessor preprocessor(ImageConvertConfig config) {
        return new Preprocessor(config.toOptions());
    }
}
