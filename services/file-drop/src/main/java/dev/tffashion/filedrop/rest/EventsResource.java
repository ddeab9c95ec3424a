package dev.tffashion.filedrop.rest;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import org.jboss.logging.Logger;

import dev.tffashion.filedrop.messaging.LiveFeed;
import dev.tffashion.filedrop.messaging.ValueIndex;
import dev.tffashion.pipeline.Json;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;

/**
 * {@code GET /v1/events}: the UI's live feed as server-sent events, one per change the {@link ValueIndex} publishes on the
 * {@link LiveFeed} (the index reads every pipeline topic, the status topic and the dead-letter topics; the
 * {@code TaskStatusBoard} adds {@code taskStatus}: a task's status aggregated over its replicas, which the UI uses rather than
 * the per-replica {@code status} events). Each event is named by its kind ({@code value}, {@code status}, {@code taskStatus},
 * {@code deadLetter}) and carries {@code {"kind": ..., "payload": ...}}; a first
 * {@code ready} event tells the client that it is subscribed, so it can load the snapshot ({@code /v1/pipeline},
 * {@code /v1/values}) without missing a change. A comment every 15 s keeps proxies from closing an idle stream; a client that
 * falls too far behind is disconnected and reconnects.
 */
@Path("/v1/events")
public class EventsResource {

    private static final Logger LOG = Logger.getLogger(EventsResource.class);

    /** Interval of the keep-alive comment. */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    /** Events buffered for a slow client before it is disconnected (it reconnects and reloads the snapshot). */
    static final int MAX_BUFFERED = 4096;
    /** Reconnection delay suggested to the browser, in milliseconds. */
    static final long RECONNECT_MILLIS = 2000;

    /** One event of the feed: a named JSON event, or a keep-alive comment when {@code name} is null. */
    record FeedEvent(String name, String json) {

        static final FeedEvent KEEP_ALIVE_COMMENT = new FeedEvent(null, null);

        static FeedEvent of(String kind, Object payload) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("kind", kind);
            body.put("payload", payload);
            return new FeedEvent(kind, Json.toString(body));
        }

        boolean comment() {
            return name == null;
        }
    }

    private final AtomicInteger subscribers = new AtomicInteger();

    @Inject
    LiveFeed feed;

    @Inject
    MeterRegistry registry;

    @PostConstruct
    void registerGauge() {
        registry.gauge("tffashion.ui.subscribers", subscribers);
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> events(@Context Sse sse) {
        return stream(KEEP_ALIVE).map(event -> {
            if (event.comment()) {
                return sse.newEventBuilder().comment("keep-alive").build();
            }
            OutboundSseEvent.Builder builder = sse.newEventBuilder().name(event.name()).data(String.class, event.json());
            if ("ready".equals(event.name())) {
                builder.reconnectDelay(RECONNECT_MILLIS);
            }
            return builder.build();
        });
    }

    /** The feed of one subscriber: {@code ready}, then every change of the index, merged with keep-alive comments. */
    Multi<FeedEvent> stream(Duration keepAlive) {
        Multi<FeedEvent> changes = Multi.createFrom().<FeedEvent>emitter(emitter -> {
            Consumer<LiveFeed.Change> listener = change -> emitter.emit(FeedEvent.of(change.kind(), change.payload()));
            feed.addListener(listener);
            int count = subscribers.incrementAndGet();
            LOG.debugf("live feed subscriber added (%d now)", count);
            emitter.onTermination(() -> {
                feed.removeListener(listener);
                LOG.debugf("live feed subscriber gone (%d left)", subscribers.decrementAndGet());
            });
            emitter.emit(FeedEvent.of("ready", Map.of("caughtUp", feed.caughtUp())));
        }, BackPressureStrategy.ERROR).onOverflow().buffer(MAX_BUFFERED);
        Multi<FeedEvent> ticks = Multi.createFrom().ticks().startingAfter(keepAlive).every(keepAlive).onOverflow().drop()
                .map(tick -> FeedEvent.KEEP_ALIVE_COMMENT);
        return Multi.createBy().merging().streams(changes, ticks);
    }

    /** How many clients are subscribed right now. */
    int subscribers() {
        return subscribers.get();
    }
}
