package dev.tffashion.modelserver;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * TF Serving's --grpc_channel_arguments ({@code key=value,key=value}, e.g. {@code grpc.max_connection_age_ms=2000}): gRPC core's
 * server arguments, applied here to gRPC Java's Netty server where it has the same setting. TF Serving hands every pair to gRPC
 * core, which logs and ignores the keys it does not know; this server does likewise with the keys it cannot apply (a warning
 * naming them), and refuses a known key whose value is not a whole number.
 */
final class GrpcChannelArguments {

    private static final Logger LOG = Logger.getLogger(GrpcChannelArguments.class.getName());

    /** The keys applied, and the Netty server setting each becomes. */
    static final Map<String, String> APPLIED = Map.ofEntries(
        Map.entry("grpc.max_connection_age_ms", "maxConnectionAge"),
        Map.entry("grpc.max_connection_age_grace_ms", "maxConnectionAgeGrace"),
        Map.entry("grpc.max_connection_idle_ms", "maxConnectionIdle"),
        Map.entry("grpc.keepalive_time_ms", "keepAliveTime"),
        Map.entry("grpc.keepalive_timeout_ms", "keepAliveTimeout"),
        Map.entry("grpc.keepalive_permit_without_calls", "permitKeepAliveWithoutCalls"),
        Map.entry("grpc.http2.min_recv_ping_interval_without_data_ms", "permitKeepAliveTime"),
        Map.entry("grpc.max_receive_message_length", "maxInboundMessageSize"),
        Map.entry("grpc.max_metadata_size", "maxInboundMetadataSize"),
        Map.entry("grpc.max_concurrent_streams", "maxConcurrentCallsPerConnection"));

    private GrpcChannelArguments() {
    }

    /**
     * Parses the flag's text as TF Serving does: pairs separated by commas, each {@code key=value}.
     *
     * @throws IllegalArgumentException naming the pair that is not {@code key=value}
     */
    static Map<String, String> parse(String text) {
        Map<String, String> arguments = new LinkedHashMap<>();
        for (String pair : text.split(",", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || pair.substring(0, eq).isBlank()) {
                throw new IllegalArgumentException("Flag --grpc_channel_arguments takes key=value pairs separated by commas, e.g."
                    + " grpc.max_connection_age_ms=2000; '" + pair + "' is not one");
            }
            arguments.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
        }
        return arguments;
    }

    /**
     * Applies the arguments to the server being built; {@code maxMessageBytes} bounds grpc.max_receive_message_length (the
     * heap's share, see {@link ModelServer#maxMessageBytes}). {@code logIgnored}: warn about the keys not applied (once, where
     * the arguments are first checked, not again when the server starts).
     *
     * @throws IllegalArgumentException when an applied key's value is not a whole number in its range
     */
    static void apply(Map<String, String> arguments, NettyServerBuilder builder, int maxMessageBytes, boolean logIgnored) {
        for (Map.Entry<String, String> argument : arguments.entrySet()) {
            String key = argument.getKey();
            if (!APPLIED.containsKey(key)) {
                if (logIgnored) {
                    LOG.warning(() -> "--grpc_channel_arguments: " + key + " is not applied by this model server (gRPC Java); the"
                        + " ones it applies: " + String.join(", ", APPLIED.keySet().stream().sorted().toList()));
                }
                continue;
            }
            try {
                set(builder, key, argument.getValue(), maxMessageBytes);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--grpc_channel_arguments: " + key + "=" + argument.getValue() + ": " + e.getMessage(),
                    e);
            }
        }
    }

    private static void set(NettyServerBuilder builder, String key, String text, int maxMessageBytes) {
        long value = number(key, text);
        switch (key) {
            case "grpc.max_connection_age_ms" -> builder.maxConnectionAge(value, TimeUnit.MILLISECONDS);
            case "grpc.max_connection_age_grace_ms" -> builder.maxConnectionAgeGrace(value, TimeUnit.MILLISECONDS);
            case "grpc.max_connection_idle_ms" -> builder.maxConnectionIdle(value, TimeUnit.MILLISECONDS);
            case "grpc.keepalive_time_ms" -> builder.keepAliveTime(value, TimeUnit.MILLISECONDS);
            case "grpc.keepalive_timeout_ms" -> builder.keepAliveTimeout(value, TimeUnit.MILLISECONDS);
            case "grpc.keepalive_permit_without_calls" -> builder.permitKeepAliveWithoutCalls(value != 0);
            case "grpc.http2.min_recv_ping_interval_without_data_ms" -> builder.permitKeepAliveTime(value, TimeUnit.MILLISECONDS);
            case "grpc.max_receive_message_length" -> {
                // gRPC core's -1 is "no limit"; this server keeps its heap's bound either way
                long asked = value < 0 ? Long.MAX_VALUE : value;
                if (asked > maxMessageBytes) {
                    LOG.warning(() -> "--grpc_channel_arguments: grpc.max_receive_message_length=" + text
                        + " is above what this heap takes; kept at " + maxMessageBytes + " bytes (an eighth of -Xmx, at most 512 MiB)");
                }
                builder.maxInboundMessageSize((int) Math.min(asked, maxMessageBytes));
            }
            case "grpc.max_metadata_size" -> builder.maxInboundMetadataSize(positiveInt(value));
            default -> builder.maxConcurrentCallsPerConnection(positiveInt(value));
        }
    }

    private static long number(String key, String text) {
        try {
            long value = Long.parseLong(text);
            if (value < 0 && !key.equals("grpc.max_receive_message_length")) {
                throw new IllegalArgumentException("must not be negative");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("takes a whole number");
        }
    }

    private static int positiveInt(long value) {
        if (value < 1 || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("must be between 1 and " + Integer.MAX_VALUE);
        }
        return (int) value;
    }
}
