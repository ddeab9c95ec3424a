package dev.tffashion.e2e.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * CPU time from /proc: user plus system time ({@code utime + stime} of /proc/PID/stat) of each pipeline process, of the bench's
 * own JVM, and, from the JVM's thread CPU clock, of the load generator's threads ({@value LoadGenerator#THREADS}* and the
 * HttpClient's selector). Windows are differences of two snapshots; a sampler keeps snapshots every 100 ms when asked.
 * <p>
 * Apart, the CPU of each pipeline process's JIT compiler threads (HotSpot's {@code C1 CompilerThreadN} and
 * {@code C2 CompilerThreadN}, whose names /proc/PID/task/TID/comm shows cut to 15 characters): the part of a window's CPU that
 * is the JVM still compiling, not the pipeline's work. A compiler thread that ends within a window (HotSpot stops extra ones
 * when their queue is idle) takes its time with it.
 */
final class Cpu {

    /** The bench JVM as a whole (load generator, record reader, everything else), in {@link Snapshot#ticks}. */
    static final String BENCH = "bench JVM";

    /** Nanoseconds per clock tick of /proc/PID/stat's times. */
    static final long TICK_NANOS = 1_000_000_000L / clockTicksPerSecond();

    /** HotSpot's JIT compiler threads, by the start of the name /proc/PID/task/TID/comm shows (cut to 15 characters). */
    static final List<String> COMPILER_THREADS = List.of("C1 CompilerThre", "C2 CompilerThre");

    /** How often the compiler threads of a process are looked for again (HotSpot starts more of them as their queues grow). */
    private static final long COMPILERS_LOOKED_UP_EVERY_NANOS = 5_000_000_000L;

    /**
     * CPU times at one moment: nanoseconds of CPU by process name (and {@link #BENCH}), the load generator's threads apart, and of
     * each pipeline process the CPU of its JIT compiler threads.
     */
    record Snapshot(long nanoTime, long epochMillis, Map<String, Long> cpuNanos, long generatorNanos, Map<String, Long> jitNanos) {
    }

    /** CPU between two snapshots, in nanoseconds, by process; the wall time between them; of each process, its JIT compilers'. */
    record Window(Map<String, Long> cpuNanos, long generatorNanos, long wallNanos, Map<String, Long> jitNanos) {

        /** The six pipeline processes together (the bench JVM excluded). */
        long pipelineNanos() {
            return cpuNanos.entrySet().stream().filter(e -> !e.getKey().equals(BENCH)).mapToLong(Map.Entry::getValue).sum();
        }

        /** The JIT compiler threads of the six pipeline processes together. */
        long pipelineJitNanos() {
            return jitNanos.values().stream().mapToLong(Long::longValue).sum();
        }

        /** The JIT compilers' share of the six pipeline processes' CPU, in percent; NaN when they used none. */
        double pipelineJitPercent() {
            long pipeline = pipelineNanos();
            return pipeline == 0 ? Double.NaN : 100.0 * pipelineJitNanos() / pipeline;
        }
    }

    private final Map<String, Long> pids;
    private final List<Snapshot> samples = new CopyOnWriteArrayList<>();
    private volatile Thread sampler;
    /** By pid: the task ids of its compiler threads, as last looked up. */
    private final Map<Long, Compilers> compilers = new ConcurrentHashMap<>();

    /** The task ids of a process's compiler threads, and when they were looked up (System.nanoTime). */
    private record Compilers(long[] tids, long lookedUpAt) {
    }

    Cpu(Map<String, Long> pids) {
        this.pids = new LinkedHashMap<>(pids);
    }

    Snapshot snapshot() {
        var nanos = new LinkedHashMap<String, Long>();
        var jit = new LinkedHashMap<String, Long>();
        pids.forEach((name, pid) -> {
            nanos.put(name, ticks(pid) * TICK_NANOS);
            jit.put(name, compilerTicks(pid) * TICK_NANOS);
        });
        nanos.put(BENCH, ticks(ProcessHandle.current().pid()) * TICK_NANOS);
        return new Snapshot(System.nanoTime(), System.currentTimeMillis(), nanos, generatorNanos(), jit);
    }

    static Window between(Snapshot from, Snapshot to) {
        return new Window(difference(from.cpuNanos(), to.cpuNanos()), Math.max(0, to.generatorNanos() - from.generatorNanos()),
            to.nanoTime() - from.nanoTime(), difference(from.jitNanos(), to.jitNanos()));
    }

    /**
     * Counter by counter, how much it grew between two readings, never negative: one only in {@code from} (a process gone) grew
     * by 0, one only in {@code to} (a counter that appeared) from 0. In {@code from}'s order, then the new ones.
     */
    static Map<String, Long> difference(Map<String, Long> from, Map<String, Long> to) {
        var grown = new LinkedHashMap<String, Long>();
        from.forEach((name, before) -> grown.put(name, Math.max(0, to.getOrDefault(name, before) - before)));
        to.forEach((name, after) -> grown.putIfAbsent(name, Math.max(0, after)));
        return grown;
    }

    /** utime + stime of a process's JIT compiler threads in clock ticks (0 when there are none or it is gone). */
    private long compilerTicks(long pid) {
        long now = System.nanoTime();
        var known = compilers.get(pid);
        if (known == null || now - known.lookedUpAt() > COMPILERS_LOOKED_UP_EVERY_NANOS) {
            known = new Compilers(compilerThreads(pid), now);
            compilers.put(pid, known);
        }
        long sum = 0;
        for (long tid : known.tids()) {
            sum += taskTicks(pid, tid);
        }
        return sum;
    }

    /** The task ids of a process's C1 and C2 compiler threads, from /proc/PID/task/TID/comm. */
    private static long[] compilerThreads(long pid) {
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.filter(task -> {
                try {
                    var comm = Files.readString(task.resolve("comm"), StandardCharsets.US_ASCII);
                    return COMPILER_THREADS.stream().anyMatch(comm::startsWith);
                } catch (IOException e) {
                    return false;
                }
            }).mapToLong(task -> Long.parseLong(task.getFileName().toString())).toArray();
        } catch (IOException | RuntimeException e) {
            return new long[0];
        }
    }

    /** utime + stime of one thread in clock ticks, from /proc/PID/task/TID/stat; 0 when it is gone. */
    static long taskTicks(long pid, long tid) {
        return statTicks(Path.of("/proc", Long.toString(pid), "task", Long.toString(tid), "stat"));
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
        return statTicks(Path.of("/proc", Long.toString(pid), "stat"));
    }

    private static long statTicks(Path path) {
        try {
            var stat = Files.readString(path, StandardCharsets.US_ASCII);
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
