package dev.tffashion.learn.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Settings of the learn service ({@code learn.*}). */
@ConfigMapping(prefix = "learn")
public interface LearnConfig {

    /** Where Fashion-MNIST comes from. */
    Dataset dataset();

    /** Training settings. */
    Training training();

    /** Python training scripts (off unless {@code learn.python.command} is set). */
    Python python();

    /** How long to wait for Kafka to acknowledge a model value. */
    @WithDefault("30s")
    Duration publishTimeout();

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

        /**
         * How long the loaded dataset stays in memory after the last training used it (0: let go right after each training).
         * The next training after that reads the files again.
         */
        @WithDefault("2m")
        Duration keepLoaded();
    }

    /** How training runs and reports. */
    interface Training {

        /** Longest time between two progress reports within an epoch. */
        @WithDefault("5s")
        Duration progressInterval();

        /** TensorFlow threads of a training (intra- and inter-op); 0 = one per core. Limits the CPU a training takes. */
        @WithDefault("0")
        int threads();

        /**
         * Where each run works (scripts, exported models before they are stored): {@code <work-folder>/<model id>/}.
         * With the Kubernetes executor it must be on the volume the Jobs mount. Default: {@code <tmp>/tf-fashion-learn}.
         */
        Optional<Path> workFolder();
    }

    /** Running Python training scripts: {@code <command> <script> <output-dir>}, which must export a SavedModel. */
    interface Python {

        /** The Python with TensorFlow, e.g. {@code python3} or {@code /opt/venv/bin/python}; unset = Python scripts are refused. */
        Optional<String> command();

        /** Where scripts run: {@code process} (a child process here) or {@code kubernetes} (a Job per script). */
        @WithDefault("process")
        Executor executor();

        /** Longest run of one script; it is stopped after that. */
        @WithDefault("2h")
        Duration timeout();

        /** Extra environment variables of the script (the dataset folder is passed as FASHION_MNIST_DIR). */
        Map<String, String> env();

        /** The Kubernetes Job executor. */
        Kubernetes kubernetes();

        /** Executors of Python scripts. */
        enum Executor {
            PROCESS,
            KUBERNETES
        }
    }

    /** Jobs that run Python scripts on Kubernetes, over a volume shared with the learn pod. */
    interface Kubernetes {

        /** Image with Python and TensorFlow. */
        @WithDefault("tensorflow/tensorflow:2.18.0")
        String image();

        /** Namespace of the Jobs; the client's namespace when unset. */
        Optional<String> namespace();

        /** PersistentVolumeClaim (ReadWriteMany) that holds the work folder; mounted in the Job at the same path. */
        @WithDefault("tf-fashion-data")
        String claimName();

        /** Sub-path of the claim that is the work folder (empty: the claim's root is mounted at the work folder). */
        Optional<String> claimSubPath();

        /** Dataset folder as the Job's container sees it (passed as FASHION_MNIST_DIR); unset: the script finds its own. */
        Optional<String> datasetFolder();

        /** Service account of the Job's pods; the namespace's default when unset. */
        Optional<String> serviceAccount();

        /** CPU request of the Job's container. */
        @WithDefault("1")
        String cpuRequest();

        /** Memory request and limit of the Job's container. */
        @WithDefault("4Gi")
        String memory();

        /**
         * How long past {@code learn.python.timeout} learn waits for Kubernetes to end the Job itself (its
         * {@code activeDeadlineSeconds} is the timeout) before it gives up and deletes it.
         */
        @WithDefault("30s")
        Duration deadlineGrace();

        /**
         * The user id of the Job's container (never root). Learn runs as 185 and reads and deletes what the script writes on the
         * shared claim: keep them the same user, or in the same {@link #fsGroup()}.
         */
        @WithDefault("185")
        long runAsUser();

        /** The group of the Job's pod and of the files it writes on the claim (learn's pod has fsGroup 185 too). */
        @WithDefault("185")
        long fsGroup();

        /**
         * The learn pod's name (downward API, env {@code POD_NAME}): owner of the Jobs it creates, so that Kubernetes removes them
         * with the pod. Unset (outside a pod): the Jobs have no owner and go by their TTL or when learn gives up on them.
         */
        @WithDefault("${POD_NAME:}")
        Optional<String> ownerPodName();

        /** The learn pod's uid (downward API, env {@code POD_UID}); both name and uid are needed for the owner reference. */
        @WithDefault("${POD_UID:}")
        Optional<String> ownerPodUid();

        /** How long a finished Job is kept (for its logs) before Kubernetes deletes it. */
        @WithDefault("1h")
        Duration keepFinished();
    }
}
