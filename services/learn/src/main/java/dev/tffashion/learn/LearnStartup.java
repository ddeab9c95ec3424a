package dev.tffashion.learn;

import dev.tffashion.learn.health.DatasetReadinessCheck;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * At start-up: checks, before any TensorFlow code loads, that this CPU can run TensorFlow (refuses to start otherwise),
 * loads the dataset and TensorFlow in the background, and reports the learn task idle.
 */
@ApplicationScoped
public class LearnStartup {

    private static final Logger LOG = Logger.getLogger(LearnStartup.class);

    void onStart(@Observes StartupEvent event, @Readiness DatasetReadinessCheck readiness, Learner learner) {
        CpuCheck.problem(CpuCheck.CPUINFO).ifPresent(problem -> {
            LOG.error(problem);
            throw new UnsupportedCpuException(problem);
        });
        readiness.prepare();
        learner.idle();
    }
}
