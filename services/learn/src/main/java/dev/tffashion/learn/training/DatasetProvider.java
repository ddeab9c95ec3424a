package dev.tffashion.learn.training;

import dev.tffashion.fashionmnist.DatasetLocator;
import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.learn.config.LearnConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;

/** Finds, verifies and loads Fashion-MNIST once (about 55 MB in memory), as {@code learn.dataset.*} says. */
@ApplicationScoped
public class DatasetProvider {

    private final LearnConfig config;
    private volatile FashionMnist data;

    public DatasetProvider(LearnConfig config) {
        this.config = config;
    }

    /**
     * The dataset, loaded on first use.
     *
     * @throws dev.tffashion.fashionmnist.DatasetUnavailableException with instructions when it cannot be found
     */
    public FashionMnist get() {
        if (data == null) {
            synchronized (this) {
                if (data == null) {
                    try {
                        data = FashionMnist.load(locator());
                    } catch (IOException e) {
                        throw new UncheckedIOException("Fashion-MNIST could not be read: " + e.getMessage(), e);
                    }
                }
            }
        }
        return data;
    }

    /** The dataset if it is loaded already, else null (never loads). */
    public FashionMnist loaded() {
        return data;
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
