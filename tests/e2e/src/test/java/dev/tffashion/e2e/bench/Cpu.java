package dev.tffashion.e2e.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * CPU time from /proc: user plus system time ({@code utime + stime} of /proc/PID/stat) of each pipeline process, of the bench's
 * own JVM, and, from the JVM's thread CPU clock, of the load generator's threads ({@value LoadGenerator#THREADS}* and the
 * HttpClient's selector). Windows are differences of two snapshots; a sampler keeps snapshots every 100 ms when asked.
 */
final class Cpu {

    /** The bench JVM as a whole (load generator, record reader, everything else), in {@link Snapshot#ticks}. */
    static final String BENCH = "bench JVM";

    private static final long TICK_NANOS = 1_000_000_000L / clockTicksPerSecond();

    /** CPU times at one moment: nanoseconds of CPU by process name (and {@link #BENCH}), the load generator's threads apart. */
    record Snapshot(long nanoTime, long epochMillis, Map<String, Long> cpuNanos, long generatorNanos) {
    }

    /** CPU between two snapshots, in nanoseconds, by process; the wall time between them. */
    record Window(Map<String, Long> cpuNanos, long generatorNanos, long wallNanos) {

        /** The six pipeline processes together (the bench JVM excluded). */
        long pipelineNanos() {
            return cpuNanos.entrySet().stream().filter(e -> !e.getKey().equals(BENCH)).mapToLong(Map.Entry::getValue).sum();
        }
    }

    private final Map<String, Long> pids;
    private final List<Snapshot> samples = new CopyOnWriteArrayList<>();
    private volatile Thread sampler;

    Cpu(Map<String, Long> pids) {
        this.pids = new LinkedHashMap<>(pids);
    }

    Snapshot snapshot() {
        var nanos = new LinkedHashMap<String, Long>();
        pids.forEach((name, pid) -> nanos.put(name, ticks(pid) * TICK_NANOS));
        nanos.put(BENCH, ticks(ProcessHandle.current().pid()) * TICK_NANOS);
        return new Snapshot(System.nanoTime(), System.currentTimeMillis(), nanos, generatorNanos());
    }

    static Window between(Snapshot from, Snapshot to) {
        var nanos = new LinkedHashMap<String, Long>();
        from.cpuNanos().forEach((name, before) -> nanos.put(name, Math.max(0, to.cpuNanos().getOrDefault(name, before) - before)));
        return new Window(nanos, Math.max(0, to.generatorNanos() - from.generatorNanos()), to.nanoTime() - from.nanoTime());
    }

    /** Starts taking a snapshot every 100 ms (for windows whose ends are known only afterwards). */
    void startSampling() {
        samples.clear();
        var thread = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                samples.add(snapshot());
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-cpu-sampler");
        thread.setDaemon(true);
        thread.start();
        sampler = thread;
    }

    void stopSampling() throws InterruptedException {
        var thread = sampler;
        if (thread != null) {
            thread.interrupt();
            thread.join(5_000);
        }
        samples.add(snapshot());
    }

    /** The sampled snapshot nearest to a wall-clock time (epoch ms). */
    Snapshot sampledAt(long epochMillis) {
        return samples.stream()
            .min((a, b) -> Long.compare(Math.abs(a.epochMillis() - epochMillis), Math.abs(b.epochMillis() - epochMillis)))
            .orElseThrow(() -> new IllegalStateException("no CPU samples were taken"));
    }

    /** utime + stime of a process in clock ticks, from /proc/PID/stat; 0 when it is gone. */
    static long ticks(long pid) {
        try {
            var stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static long generatorNanos() {
        var threads = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
            var name = info == null ? "" : info.getThreadName();
            if (name.startsWith(LoadGenerator.THREADS) || name.startsWith("HttpClient-")) {
                sum += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return sum;
    }

    private static long clockTicksPerSecond() {
        try {
            var process = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            var out = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            process.waitFor();
            return Long.parseLong(out);
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
