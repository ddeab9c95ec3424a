package dev.tffashion.kafkalocal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Runs {@link KafkaLocal} as its own process: data kept in a folder across restarts, one line
 * {@code Kafka ready at <host>:<port>} on standard output when ready, a clean stop on SIGTERM or Ctrl-C.
 */
public final class KafkaLocalMain {

    static final String USAGE = String.join("\n",
        "Usage: java -jar kafka-local.jar [options]",
        "  --host HOST             address to listen on and advertise (default 127.0.0.1)",
        "  --port PORT             broker (client) port (default 9092)",
        "  --controller-port PORT  KRaft controller port, keep it fixed for a data folder (default 9093)",
        "  --data-dir DIR          data folder, kept across restarts (default .tf-fashion/kafka)",
        "  --partitions N          partitions of new topics, num.partitions (default 1)",
        "  --start-timeout SEC     seconds to wait for the broker to answer (default 120)",
        "  --property KEY=VALUE    any broker setting (server.properties key), repeatable",
        "  --log-level LEVEL       level of Kafka's own log on standard error: error|warn|info|debug (default warn)",
        "  --help                  print this help");

    private static final Set<String> LOG_LEVELS = Set.of("error", "warn", "info", "debug", "trace", "off");

    private KafkaLocalMain() {
    }

    /** Starts the broker and blocks until the process is asked to stop. */
    public static void main(String[] args) throws InterruptedException {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("kafka-local: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (options.help) {
            System.out.println(USAGE);
            return;
        }
        configureLogging(options.logLevel);

        KafkaLocal.Builder builder = KafkaLocal.builder()
            .host(options.host)
            .port(options.port)
            .controllerPort(options.controllerPort)
            .dataDir(options.dataDir)
            .partitions(options.partitions)
            .startTimeout(options.startTimeout);
        options.properties.forEach(builder::brokerProperty);
        KafkaLocal kafka = builder.build();

        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            if (kafka.isRunning()) {
                kafka.close();
                System.err.println("kafka-local: Kafka stopped");
            }
            stopped.countDown();
        }, "kafka-local-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            kafka.start();
        } catch (RuntimeException e) {
            System.err.println("kafka-local: " + e.getMessage());
            System.exit(1);
        }
        System.out.println("Kafka ready at " + kafka.bootstrapServers());
        System.out.flush();
        stopped.await();
    }

    /** Sets slf4j-simple's defaults (standard error, timestamps, the given level) unless set by -D. */
    private static void configureLogging(String level) {
        String prefix = "org.slf4j.simpleLogger.";
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put(prefix + "defaultLogLevel", level);
        defaults.put(prefix + "log.dev.tffashion", "info");
        defaults.put(prefix + "showDateTime", "true");
        defaults.put(prefix + "dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
        defaults.put(prefix + "showShortLogName", "true");
        defaults.forEach((key, value) -> {
            if (System.getProperty(key) == null) {
                System.setProperty(key, value);
            }
        });
    }

    /** Command-line options. */
    static final class Options {
        String host = "127.0.0.1";
        int port = 9092;
        int controllerPort = 9093;
        Path dataDir = Path.of(".tf-fashion", "kafka");
        int partitions = 1;
        Duration startTimeout = Duration.ofSeconds(120);
        String logLevel = "warn";
        final Map<String, String> properties = new LinkedHashMap<>();
        boolean help;

        static Options parse(String[] args) {
            Options options = new Options();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                String name = arg;
                String value = null;
                int equals = arg.indexOf('=');
                if (arg.startsWith("--") && equals > 0) {
                    name = arg.substring(0, equals);
                    value = arg.substring(equals + 1);
                }
                if (name.equals("--help") || name.equals("-h")) {
                    options.help = true;
                    continue;
                }
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("option " + name + " needs a value");
                    }
                    value = args[++i];
                }
                switch (name) {
                    case "--host" -> options.host = nonBlank(name, value);
                    case "--port" -> options.port = port(name, value);
                    case "--controller-port" -> options.controllerPort = port(name, value);
                    case "--data-dir" -> options.dataDir = Path.of(nonBlank(name, value));
                    case "--partitions" -> options.partitions = positive(name, value);
                    case "--start-timeout" -> options.startTimeout = Duration.ofSeconds(positive(name, value));
                    case "--log-level" -> options.logLevel = logLevel(value);
                    case "--property" -> {
                        int sep = value.indexOf('=');
                        if (sep <= 0) {
                            throw new IllegalArgumentException("--property needs KEY=VALUE, e.g. message.max.bytes=2097152, not '"
                                + value + "'");
                        }
                        options.properties.put(value.substring(0, sep).strip(), value.substring(sep + 1));
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
                }
            }
            if (options.port == options.controllerPort) {
                throw new IllegalArgumentException("--port and --controller-port must differ, both are " + options.port);
            }
            return options;
        }

        private static String nonBlank(String name, String value) {
            if (value.isBlank()) {
                throw new IllegalArgumentException(name + " must not be blank");
            }
            return value.strip();
        }

        private static int port(String name, String value) {
            int port = integer(name, value);
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException(name + " must be a port number 1-65535, not " + value);
            }
            return port;
        }

        private static int positive(String name, String value) {
            int number = integer(name, value);
            if (number < 1) {
                throw new IllegalArgumentException(name + " must be at least 1, not " + value);
            }
            return number;
        }

        private static int integer(String name, String value) {
            try {
                return Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a whole number, not '" + value + "'", e);
            }
        }

        private static String logLevel(String value) {
            String level = value.strip().toLowerCase(Locale.ROOT);
            if (!LOG_LEVELS.contains(level)) {
                throw new IllegalArgumentException("--log-level must be one of error, warn, info, debug, trace, off; not '" + value + "'");
            }
            return level;
        }
    }
}
