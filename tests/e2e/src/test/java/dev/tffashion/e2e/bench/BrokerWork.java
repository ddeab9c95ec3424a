package dev.tffashion.e2e.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.tools.attach.VirtualMachine;

/**
 * What the broker does per picture: the requests it handled, by API, read from its own request metrics (the cumulative
 * {@code Count} of {@code kafka.network:type=RequestMetrics,name=RequestsPerSec,request=*}, summed over the API's versions; JMX
 * through the JDK's attach API, which starts the broker JVM's local management agent), and its CPU by group of threads
 * (/proc/PID/task). A window is the difference of two snapshots, divided by the pictures predicted in it.
 * <p>
 * The request metrics count each API once; Kafka also counts a fetch under {@code FetchConsumer} or {@code FetchFollower}
 * besides {@code Fetch}, so those two are left out. kafka-local runs broker and controller in one JVM, whose request metrics
 * are one registry: a request the broker forwards to the controller (CreateTopics) counts twice; none is on a picture's path.
 * The transaction protocol's APIs are marked apart: with exactly-once hops, each transaction costs the broker requests of its
 * own besides the produce and the fetch of the values it carries.
 */
final class BrokerWork implements AutoCloseable {

    /**
     * The transaction protocol's APIs (a transaction's partitions, its offsets, its end, and the markers written for it);
     * InitProducerId is left with the others: every idempotent producer asks for its id once.
     */
    static final List<String> TRANSACTION_APIS = List.of("AddPartitionsToTxn", "AddOffsetsToTxn", "TxnOffsetCommit", "EndTxn",
        "WriteTxnMarkers");

    /** Thread groups by the start of the name /proc shows (cut to 15 characters), in the order of the table. */
    private static final Map<String, List<String>> THREAD_GROUPS = threadGroups();
    /** The group of every thread that no prefix above names. */
    static final String OTHER_THREADS = "other threads (controller, log, timers, ...)";

    private final long pid;
    private JMXConnector connector;

    /** Requests by API (cumulative), CPU nanoseconds by thread group, at one moment. */
    record Snapshot(Map<String, Long> requests, Map<String, Long> threadNanos) {
    }

    /** A window: requests by API and CPU by thread group between two snapshots (never negative). */
    record Window(Map<String, Long> requests, Map<String, Long> threadNanos) {

        long allRequests() {
            return requests.values().stream().mapToLong(Long::longValue).sum();
        }

        long transactionRequests() {
            return requests.entrySet().stream().filter(e -> TRANSACTION_APIS.contains(e.getKey())).mapToLong(Map.Entry::getValue).sum();
        }

        long cpuNanos() {
            return threadNanos.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    BrokerWork(long pid) {
        this.pid = pid;
    }

    private static Map<String, List<String>> threadGroups() {
        var groups = new LinkedHashMap<String, List<String>>();
        groups.put("request handlers and network threads", List.of("data-plane-kafk"));
        groups.put("group coordinator (offsets, transactional offset commits)", List.of("group-coordinat"));
        groups.put("transaction markers (TxnMarkerSender)", List.of("TxnMarkerSender"));
        groups.put("transaction verification (AddPartitionsToTxn sender)", List.of("AddPartitionsTo"));
        groups.put("JIT compilers", Cpu.COMPILER_THREADS);
        groups.put("garbage collector and VM", List.of("VM Thread", "GC Thread", "VM Periodic Tas"));
        return groups;
    }

    /** Names of the thread groups, in the order of the table; {@link #OTHER_THREADS} last. */
    static List<String> threadGroupNames() {
        var names = new java.util.ArrayList<>(THREAD_GROUPS.keySet());
        names.add(OTHER_THREADS);
        return names;
    }

    /** The broker's counts now; connects on first use. */
    synchronized Snapshot snapshot() throws Exception {
        return new Snapshot(requests(connection()), threadNanos(pid));
    }

    static Window between(Snapshot from, Snapshot to) {
        return new Window(Cpu.difference(from.requests(), to.requests()), Cpu.difference(from.threadNanos(), to.threadNanos()));
    }

    private MBeanServerConnection connection() throws Exception {
        if (connector == null) {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            String address;
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
            connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
        }
        return connector.getMBeanServerConnection();
    }

    /** The cumulative request counts by API of the broker behind {@code server} (FetchConsumer and FetchFollower left out). */
    static Map<String, Long> requests(MBeanServerConnection server) throws Exception {
        var counts = new TreeMap<String, Long>();
        for (ObjectName name : server.queryNames(new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null)) {
            String api = name.getKeyProperty("request");
            if (api == null || api.equals("FetchConsumer") || api.equals("FetchFollower")) {
                continue;
            }
            counts.merge(api, ((Number) server.getAttribute(name, "Count")).longValue(), Long::sum);
        }
        return counts;
    }

    /** CPU (utime + stime) of the process's threads by group, from /proc/PID/task/TID/stat; empty when the process is gone. */
    static Map<String, Long> threadNanos(long pid) {
        var nanos = new LinkedHashMap<String, Long>();
        threadGroupNames().forEach(group -> nanos.put(group, 0L));
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            tasks.forEach(task -> {
                try {
                    String comm = Files.readString(task.resolve("comm"), StandardCharsets.US_ASCII).strip();
                    long tid = Long.parseLong(task.getFileName().toString());
                    nanos.merge(groupOf(comm), Cpu.taskTicks(pid, tid) * Cpu.TICK_NANOS, Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended between the listing and the read: its time is gone with it
                }
            });
        } catch (IOException e) {
            return Map.of();
        }
        return nanos;
    }

    static String groupOf(String threadName) {
        for (var group : THREAD_GROUPS.entrySet()) {
            if (group.getValue().stream().anyMatch(threadName::startsWith)) {
                return group.getKey();
            }
        }
        return OTHER_THREADS;
    }

    /**
     * The table: one column per window, requests per picture by API (the busiest first), the transaction protocol's share, then the
     * broker's CPU per picture by thread group and per request.
     */
    static String table(List<String> columns, List<Window> windows, List<Long> pictures) {
        var text = new StringBuilder("| per picture |");
        columns.forEach(c -> text.append(' ').append(c).append(" |"));
        text.append('\n').append("|---|").append("---|".repeat(columns.size())).append('\n');
        var apis = new TreeMap<String, Double>();
        for (int i = 0; i < windows.size(); i++) {
            long n = pictures.get(i);
            windows.get(i).requests().forEach((api, count) -> apis.merge(api, n == 0 ? 0 : (double) count / n, Double::sum));
        }
        apis.entrySet().stream().filter(e -> e.getValue() > 0).sorted(Map.Entry.<String, Double>comparingByValue().reversed())
            .forEach(e -> row(text, "requests: " + e.getKey() + (TRANSACTION_APIS.contains(e.getKey()) ? " (transaction)" : ""),
                windows, pictures, w -> w.requests().getOrDefault(e.getKey(), 0L), "%.2f"));
        row(text, "**requests, all**", windows, pictures, Window::allRequests, "**%.2f**");
        row(text, "of them, the transaction protocol's", windows, pictures, Window::transactionRequests, "%.2f");
        for (String group : threadGroupNames()) {
            row(text, "CPU: " + group, windows, pictures, w -> w.threadNanos().getOrDefault(group, 0L) / 1e6, "%.3f ms");
        }
        row(text, "**CPU, all the broker's threads**", windows, pictures, w -> w.cpuNanos() / 1e6, "**%.3f ms**");
        text.append("| CPU per request |");
        for (var window : windows) {
            long requests = window.allRequests();
            text.append(requests == 0 ? " - |" : String.format(Locale.ROOT, " %.3f ms |", window.cpuNanos() / 1e6 / requests));
        }
        return text.append('\n').toString();
    }

    private static void row(StringBuilder text, String label, List<Window> windows, List<Long> pictures, ToDoubleFunction<Window> value,
            String format) {
        text.append("| ").append(label).append(" |");
        for (int i = 0; i < windows.size(); i++) {
            long n = pictures.get(i);
            text.append(n == 0 ? " - |" : " " + String.format(Locale.ROOT, format, value.applyAsDouble(windows.get(i)) / n) + " |");
        }
        text.append('\n');
    }

    @Override
    public synchronized void close() {
        if (connector != null) {
            try {
                connector.close();
            } catch (IOException e) {
                // the broker is gone or going: nothing to close
            }
            connector = null;
        }
    }
}
