package dev.tffashion.learn.training;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tffashion.fashionmnist.DatasetFiles;
import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.learn.config.LearnConfig;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The dataset stays in memory while trainings use it, and is let go {@code learn.dataset.keep-loaded} after the last one. */
class DatasetProviderTest {

    @Test
    void letsTheDatasetGoAfterTheLastLeaseAndReadsItAgainForTheNext() throws InterruptedException {
        DatasetProvider provider = new DatasetProvider(config(Duration.ofMillis(100)));
        assertNull(provider.files(), "nothing located before the first use");
        DatasetProvider.Lease first = provider.lease();
        DatasetProvider.Lease second = provider.lease();
        assertSame(first.data(), second.data(), "two trainings at once share one copy");
        first.close();
        Thread.sleep(500);
        assertTrue(provider.inMemory(), "a training still holds a lease: the dataset stays");
        second.close();
        awaitReleased(provider);
        DatasetFiles files = provider.files();
        assertNotNull(files, "where the files are is kept after the release");
        try (DatasetProvider.Lease again = provider.lease()) {
            assertTrue(provider.inMemory());
            assertFalse(again.data() == first.data(), "the next training reads the files again");
            assertSame(files, again.data().files(), "from the files located and verified the first time");
            assertTrue(again.data().train().count() > 0);
        }
    }

    @Test
    void aTrainingWithinTheKeepPeriodFindsTheDatasetStillLoaded() throws InterruptedException {
        DatasetProvider provider = new DatasetProvider(config(Duration.ofHours(1)));
        provider.verify();
        FashionMnist data;
        try (DatasetProvider.Lease lease = provider.lease()) {
            data = lease.data();
        }
        Thread.sleep(300);
        assertTrue(provider.inMemory(), "kept for learn.dataset.keep-loaded after the last training");
        try (DatasetProvider.Lease lease = provider.lease()) {
            assertSame(data, lease.data(), "not read again within the keep period");
        }
    }

    @Test
    void closingALeaseTwiceCountsOnce() throws InterruptedException {
        DatasetProvider provider = new DatasetProvider(config(Duration.ZERO));
        DatasetProvider.Lease held = provider.lease();
        DatasetProvider.Lease closedTwice = provider.lease();
        closedTwice.close();
        closedTwice.close();
        Thread.sleep(500);
        assertTrue(provider.inMemory(), "the other lease is still open");
        held.close();
        awaitReleased(provider);
    }

    private static void awaitReleased(DatasetProvider provider) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (provider.inMemory() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(provider.inMemory(), "let go after learn.dataset.keep-loaded without a lease");
    }

    /** learn.dataset.* as a user without a configured folder has it: the Debian package or a cache, no download. */
    private static LearnConfig config(Duration keepLoaded) {
        LearnConfig.Dataset dataset = (LearnConfig.Dataset) Proxy.newProxyInstance(LearnConfig.class.getClassLoader(),
            new Class<?>[] {LearnConfig.Dataset.class}, (proxy, method, args) -> switch (method.getName()) {
                case "folder", "cacheFolder" -> Optional.empty();
                case "download" -> false;
                case "baseUrl" -> "http://127.0.0.1:9/";
                case "keepLoaded" -> keepLoaded;
                default -> throw new UnsupportedOperationException(method.getName());
            });
        return (LearnConfig) Proxy.newProxyInstance(LearnConfig.class.getClassLoader(), new Class<?>[] {LearnConfig.class},
            (proxy, method, args) -> {
                if (method.getName().equals("dataset")) {
                    return dataset;
                }
                throw new UnsupportedOperationException(method.getName());
            });
    }
}
