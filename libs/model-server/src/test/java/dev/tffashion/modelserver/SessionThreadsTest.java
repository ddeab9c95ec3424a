package dev.tffashion.modelserver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --tensorflow_intra_op_parallelism and --tensorflow_inter_op_parallelism size TensorFlow's thread pools. TensorFlow's threads
 * carry no names of their own on Linux: they take the name of the thread that made them, here the poller that loads the
 * versions ("model-server-poller", read as its first 15 characters from /proc/PID/task/TID/comm). Two child processes
 * (TensorFlow makes its pools once per process), with 1 and 1, then 6 and 5 threads: the second has 9 more such threads.
 * With the flags not applied both had a thread per core in each pool, and the same count.
 */
class SessionThreadsTest {

    private static final String POLLER = "model-server-poller".substring(0, 15);

    @TempDir
    Path tmp;

    @Test
    void theFlagsSizeTensorFlowsThreadPools() throws Exception {
        Map<String, Integer> small = threadsWith(1, 1);
        Map<String, Integer> large = threadsWith(6, 5);
        assertEquals(9, large.getOrDefault(POLLER, 0) - small.getOrDefault(POLLER, 0),
            "threads made by the poller with 6 and 5 against 1 and 1: " + large + " against " + small);
    }

    private Map<String, Integer> threadsWith(int intraOp, int interOp) throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path dir = Files.createTempDirectory(tmp, "server");
        try (StandaloneServer.Running server = StandaloneServer.start(dir, List.of("-cp", classPath, ModelServerMain.class.getName()),
            List.of("--tensorflow_intra_op_parallelism=" + intraOp, "--tensorflow_inter_op_parallelism=" + interOp))) {
            return threadNames(server.process().pid());
        }
    }

    /** The names of a process's threads (Linux: /proc/PID/task/TID/comm, at most 15 characters), with how many have each. */
    private static Map<String, Integer> threadNames(long pid) throws IOException {
        Map<String, Integer> names = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    names.merge(Files.readString(task.resolve("comm")).strip(), 1, Integer::sum);
                } catch (IOException ended) {
                    // the thread ended while the folder was read
                }
            }
        }
        return names;
    }
}
