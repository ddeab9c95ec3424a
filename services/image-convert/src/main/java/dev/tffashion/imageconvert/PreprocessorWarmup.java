package dev.tffashion.imageconvert;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.tffashion.imageconvert.config.ImageConvertConfig;
import dev.tffashion.imaging.ImageRejectedException;
import dev.tffashion.imaging.Preprocessor;
import dev.tffashion.imaging.Warmup;
import io.quarkus.runtime.StartupEvent;

/**
 * Warms the preprocessor when the service starts: on a background thread, {@link Warmup} runs it over pictures it draws itself
 * ({@code tf-fashion.image-convert.warmup-pictures}, at most {@code warmup-budget}), so the JVM has loaded and compiled the decode and
 * fit code before the first real picture. It does not hold readiness back and touches neither Kafka nor the content store: records
 * that arrive meanwhile are converted as they come, and only share the CPU with it.
 */
@ApplicationScoped
public class PreprocessorWarmup {

    private static final Logger LOG = Logger.getLogger(PreprocessorWarmup.class);

    void start(@Observes StartupEvent event, Preprocessor preprocessor, ImageConvertConfig config) {
        if (config.warmupPictures() <= 0) {
            return;
        }
        Thread thread = new Thread(() -> {
            try {
                var report = Warmup.run(preprocessor, config.warmupPictures(), config.warmupBudget());
                LOG.infof("preprocessor warmed up: %d drawn pictures in %d ms", report.pictures(), report.took().toMillis());
            } catch (ImageRejectedException | RuntimeException e) {
                LOG.warnf("preprocessor warm-up stopped (the first pictures are converted by a cold JVM, nothing else changes): %s",
                    e.getMessage());
            }
        }, "preprocessor-warmup");
        thread.setDaemon(true);
        thread.start();
    }
}
