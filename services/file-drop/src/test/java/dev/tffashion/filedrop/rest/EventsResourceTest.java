package dev.tffashion.filedrop.rest;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tffashion.filedrop.messaging.LiveFeed;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;

class EventsResourceTest {

    private EventsResource resource;
    private LiveFeed feed;

    @BeforeEach
    void setUp() {
        feed = new LiveFeed();
        resource = new EventsResource();
        resource.feed = feed;
    }

    @Test
    void sendsReadyThenEveryChangeAsJsonWithItsKind() throws Exception {
        AssertSubscriber<EventsResource.FeedEvent> subscriber = subscribe(Duration.ofHours(1), 10);

        feed.publish(new LiveFeed.Change("value", value("v1")));

        await().atMost(Duration.ofSeconds(5)).until(() -> subscriber.getItems().size() >= 2);
        EventsResource.FeedEvent ready = subscriber.getItems().get(0);
        assertEquals("ready", ready.name());
        assertTrue(Json.mapper().readTree(ready.json()).path("payload").has("caughtUp"));

        EventsResource.FeedEvent change = subscriber.getItems().get(1);
        assertEquals("value", change.name());
        JsonNode body = Json.mapper().readTree(change.json());
        assertEquals("value", body.path("kind").asText());
        assertEquals("v1", body.path("payload").path("id").asText());
        assertEquals("2024-01-02T03:04:05Z", body.path("payload").path("createdAt").asText());
        subscriber.cancel();
    }

    @Test
    void unregistersItsListenerWhenTheClientGoes() {
        AssertSubscriber<EventsResource.FeedEvent> subscriber = subscribe(Duration.ofHours(1), 10);
        assertEquals(1, resource.subscribers());

        subscriber.cancel();

        assertEquals(0, resource.subscribers());
        feed.publish(new LiveFeed.Change("value", value("after-cancel")));
        assertEquals(List.of("ready"), subscriber.getItems().stream().map(EventsResource.FeedEvent::name).toList());
    }

    @Test
    void keepsTheStreamAliveWithComments() {
        AssertSubscriber<EventsResource.FeedEvent> subscriber = subscribe(Duration.ofMillis(20), 100);

        await().atMost(Duration.ofSeconds(5))
                .until(() -> subscriber.getItems().stream().filter(EventsResource.FeedEvent::comment).count() >= 2);
        subscriber.cancel();
    }

    @Test
    void disconnectsAClientThatFallsTooFarBehind() {
        AssertSubscriber<EventsResource.FeedEvent> subscriber = subscribe(Duration.ofHours(1), 1);

        for (int i = 0; i < 2 * EventsResource.MAX_BUFFERED; i++) {
            feed.publish(new LiveFeed.Change("value", value("v" + i)));
        }

        subscriber.awaitFailure(Duration.ofSeconds(5));
        assertEquals(0, resource.subscribers());
    }

    private AssertSubscriber<EventsResource.FeedEvent> subscribe(Duration keepAlive, int requested) {
        return resource.stream(keepAlive).subscribe().withSubscriber(AssertSubscriber.create(requested));
    }

    private static AnnotatedValue value(String id) {
        return AnnotatedValue.builder().id(id).pipeline("tf-fashion").task("imageInput").output("droppedFile").type("imageFile")
                .data("data:image/png;base64,AA==").mediaType("image/png").size(1).sha256("00")
                .createdAt(Instant.parse("2024-01-02T03:04:05Z")).build();
    }
}
