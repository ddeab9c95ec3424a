package dev.tffashion.modelserver;

import java.time.Duration;
import java.util.logging.Logger;

/**
 * The REST API's bound on slow clients (TF Serving's {@code --rest_api_timeout_in_ms}, default 30 s): a request whose line,
 * headers and body have not all arrived within it, or whose answer has not all been taken within it, has its connection
 * closed, and the REST thread it held is free again.
 *
 * <p>Without a bound, each REST thread waited for ever on one client that sent its body slowly, or stopped sending and kept
 * its connection open (a client that vanished behind a NAT does just that): measured on {@code bin/tf-fashion up} (4 REST
 * threads), while eight connections each sent a byte of their bodies every 2 s, six predicts in a row got no answer within
 * 15 s; with the default bound of 30 s, the first was answered after 29.9 s and the next five within 9 ms (a standalone
 * server with the bound at 3 s: the first after 2.3 s).
 *
 * <p>The JDK's HTTP server has this bound only as two system properties, {@code sun.net.httpserver.maxReqTime} and
 * {@code maxRspTime}, in whole seconds, read once per JVM when its first server is made (a timer checks them every second).
 * So the timeout is rounded up to whole seconds; the first REST API of a JVM sets both unless they were set on the command
 * line (which then win), and a later one in the same JVM that asks for another timeout keeps the first, with a warning.
 * Idle keep-alive connections are not requests and are not cut by it (the JDK closes those after its idle interval, 30 s).
 */
final class RestTimeouts {

    /** TF Serving's default for {@code --rest_api_timeout_in_ms}. */
    static final Duration DEFAULT = Duration.ofMillis(30_000);

    private static final String MAX_REQUEST_TIME = "sun.net.httpserver.maxReqTime";
    private static final String MAX_RESPONSE_TIME = "sun.net.httpserver.maxRspTime";

    private static final Logger LOG = Logger.getLogger(RestTimeouts.class.getName());

    /** The limit this JVM's REST APIs keep once the first has set it (0 or less: none, as set with -D); null before. */
    private static Long appliedSeconds;

    private RestTimeouts() {
    }

    /** Whole seconds, rounded up, at least one. */
    static long seconds(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("The REST timeout must be positive: " + timeout);
        }
        long millis = timeout.toMillis();
        return Math.max(1, (millis + 999) / 1000);
    }

    /** Sets the JDK HTTP server's request and response time limits for this JVM, before its first server is made. */
    static synchronized void apply(Duration timeout) {
        long wanted = seconds(timeout);
        if (appliedSeconds == null) {
            appliedSeconds = set(MAX_REQUEST_TIME, wanted);
            set(MAX_RESPONSE_TIME, wanted);
        } else if (appliedSeconds != wanted) {
            LOG.warning(() -> "The REST timeout of " + wanted + " s is not applied: the JDK's HTTP server reads its time limits"
                + " once per JVM, and this JVM's REST APIs keep " + appliedSeconds + " s");
        }
    }

    private static long set(String property, long seconds) {
        String given = System.getProperty(property);
        if (given == null) {
            System.setProperty(property, Long.toString(seconds));
            return seconds;
        }
        LOG.info(() -> "-D" + property + "=" + given + " from the command line is kept over the REST timeout of " + seconds + " s");
        return Long.getLong(property, -1);
    }
}
