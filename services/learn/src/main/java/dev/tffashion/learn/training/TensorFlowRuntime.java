package dev.tffashion.learn.training;

import dev.tffashion.learn.CpuCheck;
import org.jboss.logging.Logger;
import org.tensorflow.TensorFlow;

/** Loads TensorFlow's native library once, after checking that the CPU can run it. */
public final class TensorFlowRuntime {

    private static final Logger LOG = Logger.getLogger(TensorFlowRuntime.class);
    private static volatile String version;

    private TensorFlowRuntime() {
    }

    /** Checks the CPU ({@link CpuCheck}), then loads TensorFlow; returns its version. */
    public static String load() {
        if (version == null) {
            synchronized (TensorFlowRuntime.class) {
                if (version == null) {
                    CpuCheck.requireAvx();
                    long started = System.nanoTime();
                    version = TensorFlow.version();
                    LOG.infof("TensorFlow %s loaded in %d ms", version, (System.nanoTime() - started) / 1_000_000);
                }
            }
        }
        return version;
    }
}
