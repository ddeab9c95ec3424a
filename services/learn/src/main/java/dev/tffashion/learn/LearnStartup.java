package dev.tffashion.learn;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/** Checks at startup, before any TensorFlow code loads, that this CPU can run TensorFlow; refuses to start otherwise. */
@ApplicationScoped
public class LearnStartup {

    private static final Logger LOG = Logger.getLogger(LearnStartup.class);

    void onStart(@Observes StartupEvent event) {
        CpuCheck.problem(CpuCheck.CPUINFO).ifPresent(problem -> {
            LOG.error(problem);
            throw new UnsupportedCpuException(problem);
        });
    }
}
