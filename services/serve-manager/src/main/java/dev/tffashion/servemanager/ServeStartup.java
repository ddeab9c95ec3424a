package dev.tffashion.servemanager;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.status.TaskState;
import io.quarkus.runtime.StartupEvent;

/**
 * Runs {@link ServeManager#start()} (model server up, live version re-announced) on its own thread at start-up, so that waiting for a
 * TF Serving that is still starting does not hold up the HTTP server and its health endpoints.
 */
@ApplicationScoped
public class ServeStartup {

    private static final Logger LOG = Logger.getLogger(ServeStartup.class);

    @Inject
    ServeManager manager;

    @Inject
    StatusReporter status;

    private volatile String failure;

    void onStart(@Observes StartupEvent event) {
        Thread thread = new Thread(this::run, "serve-startup");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            manager.start();
            failure = null;
        } catch (RuntimeException e) {
            failure = e.getMessage();
            LOG.errorf(e, "the serve-manager could not start serving: %s", e.getMessage());
            status.report(ServeManager.TASK, TaskState.FAILED, "cannot start serving: " + e.getMessage());
        }
    }

    /** Why start-up failed, or null. */
    public String failure() {
        return failure;
    }
}
