package dev.tffashion.learn.health;

import dev.tffashion.fashionmnist.DatasetFiles;
import dev.tffashion.learn.training.DatasetProvider;
import dev.tffashion.learn.training.TensorFlowRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Ready means "can train": Fashion-MNIST found, verified and loaded once, and TensorFlow loaded. Both are prepared in the
 * background at start-up ({@link #prepare()}); until then, or when the dataset is missing, readiness is down with the reason.
 */
@Readiness
@ApplicationScoped
public class DatasetReadinessCheck implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(DatasetReadinessCheck.class);

    private final DatasetProvider datasets;
    private final AtomicReference<String> problem = new AtomicReference<>("loading Fashion-MNIST and TensorFlow");
    private volatile String tensorflow;

    public DatasetReadinessCheck(DatasetProvider datasets) {
        this.datasets = datasets;
    }

    /** Loads the dataset and TensorFlow on a background thread. */
    public void prepare() {
        Thread thread = new Thread(() -> {
            try {
                tensorflow = TensorFlowRuntime.load();
                datasets.verify();
                problem.set(null);
            } catch (RuntimeException e) {
                problem.set(e.getMessage());
                LOG.errorf("learn cannot train: %s", e.getMessage());
            }
        }, "learn-prepare");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public HealthCheckResponse call() {
        String current = problem.get();
        DatasetFiles files = datasets.files();
        if (current == null && files == null) {
            current = "Fashion-MNIST is not loaded";
        }
        if (current != null) {
            return HealthCheckResponse.named("learn").down().withData("reason", current).build();
        }
        return HealthCheckResponse.named("learn").up()
            .withData("dataset", files.source() + " " + files.folder())
            .withData("tensorflow", tensorflow)
            .build();
    }
}
