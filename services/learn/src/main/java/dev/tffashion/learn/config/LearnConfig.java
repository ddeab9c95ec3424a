package dev.tffashion.learn.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Settings of the learn service ({@code learn.*}). */
@ConfigMapping(prefix = "learn")
public interface LearnConfig {

    /** Where Fashion-MNIST comes from. */
    Dataset dataset();

    /** Training settings. */
    Training training();

    /** Fashion-MNIST lookup: the configured folder first, then the Debian package, the Keras cache, the download cache. */
    interface Dataset {

        /** A folder holding train-images-idx3-ubyte.gz etc. (gzipped or not); looked at first. */
        Optional<Path> folder();

        /** Whether to download the dataset when no folder holds it. */
        @WithDefault("true")
        boolean download();

        /** The mirror to download {@code <name>.gz} from. */
        @WithDefault("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/")
        String baseUrl();

        /** Where downloads are kept; default {@code $XDG_CACHE_HOME/tf-fashion/fashion-mnist} or {@code ~/.cache/...}. */
        Optional<Path> cacheFolder();
    }

    /** How training runs and reports. */
    interface Training {

        /** Longest time between two progress reports within an epoch. */
        @WithDefault("5s")
        Duration progressInterval();

        /**
         * TensorFlow threads (intra- and inter-op); 0 = one per core. 1, with the environment variable
         * {@code TF_ENABLE_ONEDNN_OPTS=0}, makes a recipe train to the same model bit for bit (slower).
         */
        @WithDefault("0")
        int threads();

        /** Where models are exported before they are stored; a temporary folder when unset. */
        Optional<Path> workFolder();
    }
}
