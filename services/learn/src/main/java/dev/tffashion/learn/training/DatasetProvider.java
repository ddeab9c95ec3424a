package dev.tffashion.learn.training;

import dev.tffashion.fashionmnist.DatasetFiles;
import dev.tffashion.fashionmnist.DatasetLocator;
import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.learn.config.LearnConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Finds, verifies and loads Fashion-MNIST (about 55 MB on the heap), as {@code learn.dataset.*} says, and lets it go again
 * when no training has used it for {@code learn.dataset.keep-loaded}: learn is idle most of its life, and a heap that kept
 * the dataset between trainings was most of its resident memory. A training takes a {@link Lease}; the next training after
 * a release reads the files again (about a second; they are verified once).
 */
@ApplicationScoped
public class DatasetProvider {

    private static final Logger LOG = Logger.getLogger(DatasetProvider.class);

    private final LearnConfig config;
    private final ScheduledExecutorService releaser = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "learn-dataset-release");
        thread.setDaemon(true);
        return thread;
    });
    private FashionMnist data;
    private volatile DatasetFiles files;
    private int leases;
    private ScheduledFuture<?> release;

    public DatasetProvider(LearnConfig config) {
        this.config = config;
    }

    /** The loaded dataset while a training uses it; closing the lease lets it go after {@code learn.dataset.keep-loaded}. */
    public final class Lease implements AutoCloseable {

        private final FashionMnist data;
        private boolean closed;

        private Lease(FashionMnist data) {
            this.data = data;
        }

        public FashionMnist data() {
            return data;
        }

        @Override
        public void close() {
            synchronized (DatasetProvider.this) {
                if (!closed) {
                    closed = true;
                    returned();
                }
            }
        }
    }

    /**
     * The dataset for one training, loaded when it is not in memory.
     *
     * @throws dev.tffashion.fashionmnist.DatasetUnavailableException with instructions when it cannot be found
     */
    public synchronized Lease lease() {
        if (release != null) {
            release.cancel(false);
            release = null;
        }
        if (data == null) {
            try {
                data = FashionMnist.load(locate());
            } catch (IOException e) {
                throw new UncheckedIOException("Fashion-MNIST could not be read: " + e.getMessage(), e);
            }
        }
        leases++;
        return new Lease(data);
    }

    /** Loads the dataset once to verify it (readiness at start-up); it is let go as after a training. */
    public void verify() {
        lease().close();
    }

    /**
     * The files, located and their checksums verified the first time (where a Python script finds them), without loading them.
     *
     * @throws dev.tffashion.fashionmnist.DatasetUnavailableException with instructions when they cannot be found
     */
    public synchronized DatasetFiles locate() {
        if (files == null) {
            files = locator().locate();
        }
        return files;
    }

    /** The located and verified files, or null while none has been located yet (never locates). */
    public DatasetFiles files() {
        return files;
    }

    /** Whether the dataset is in memory now. */
    public synchronized boolean inMemory() {
        return data != null;
    }

    private void returned() {
        leases--;
        if (leases > 0) {
            return;
        }
        Duration keep = config.dataset().keepLoaded();
        release = releaser.schedule(this::releaseIfIdle, Math.max(0, keep.toMillis()), TimeUnit.MILLISECONDS);
    }

    private void releaseIfIdle() {
        synchronized (this) {
            if (leases > 0 || data == null) {
                return;
            }
            data = null;
            release = null;
        }
        // The dataset lived long enough to reach the old generation, which only a full collection empties; with
        // MaxHeapFreeRatio (jvm.options) the collection also gives the emptied heap back to the system.
        System.gc();
        LOG.infof("Fashion-MNIST let go after %s without a training (learn.dataset.keep-loaded); the next training reads it again",
            config.dataset().keepLoaded());
    }

    @PreDestroy
    void stop() {
        releaser.shutdownNow();
    }

    DatasetLocator locator() {
        LearnConfig.Dataset dataset = config.dataset();
        DatasetLocator.Builder builder = DatasetLocator.builder()
            .settingPrefix("learn.dataset")
            .download(dataset.download())
            .baseUrl(URI.create(dataset.baseUrl()));
        dataset.folder().ifPresent(builder::folder);
        dataset.cacheFolder().ifPresent(builder::cacheFolder);
        return builder.build();
    }
}
