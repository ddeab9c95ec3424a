package dev.tffashion.tfserving.client;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

/**
 * The one factory of gRPC channels to TF Serving (plaintext, as TF Serving's gRPC port speaks it), from
 * {@link TfServingSettings.Channel}.
 */
public final class TfServingChannels {

    private static final Logger LOG = Logger.getLogger(TfServingChannels.class);

    private TfServingChannels() {
    }

    /** Opens a channel to {@code host:port} (or any gRPC target string); connects lazily, on the first call. */
    public static ManagedChannel open(String target, TfServingSettings.Channel settings) {
        return open(target, settings, List.of());
    }

    /** Opens a channel whose calls go through the interceptors (tracing: a client span per call, the trace context sent along). */
    public static ManagedChannel open(String target, TfServingSettings.Channel settings, List<ClientInterceptor> interceptors) {
        if (target == null || target.isBlank()) {
            throw new IllegalArgumentException("a TF Serving gRPC target (host:port) is needed");
        }
        LOG.infof("connecting to TF Serving at %s (gRPC, plaintext)", target);
        ManagedChannelBuilder<?> builder = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
            .maxInboundMessageSize(settings.maxInboundMessageSize());
        if (!settings.keepAliveTime().isZero()) {
            builder.keepAliveTime(settings.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(settings.keepAliveTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        builder.intercept(interceptors);
        return builder.build();
    }

    /** Shuts a channel down, giving calls in flight a few seconds to finish. */
    public static void close(ManagedChannel channel) {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.shutdownNow();
        }
    }
}
