package dev.tffashion.pipeline.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tffashion.pipeline.Json;

/** Status per replica: the event's key and wire form, and the aggregation of a task's replicas. */
class TaskStatusTest {

    private static final Instant NOW = Instant.parse("2026-12-03T07:00:00Z");
    private static final Duration STALE = Duration.ofSeconds(20);

    private static StatusEvent event(String instance, TaskState state, int secondsAgo, int heartbeatSecondsAgo, long consumed) {
        return new StatusEvent("predict", state, instance + " is " + state.wireName(), null, Map.of("consumed", consumed),
                NOW.minusSeconds(secondsAgo), Map.of("by", instance), instance, NOW.minusSeconds(heartbeatSecondsAgo));
    }

    @Test
    void anEventIsKeyedByTaskAndInstanceAndRoundTripsWithItsHeartbeat() throws Exception {
        StatusEvent event = event("predict-2", TaskState.ACTIVE, 10, 1, 5);
        assertEquals("predict/predict-2", event.key());
        assertEquals("learn", StatusEvent.of("learn", TaskState.IDLE, null).key());

        byte[] wire = Json.toBytes(event);
        JsonNode json = Json.mapper().readTree(new String(wire, StandardCharsets.UTF_8));
        assertEquals("predict", json.path("task").asText());
        assertEquals("predict-2", json.path("instance").asText());
        assertFalse(json.has("key"));
        assertEquals(event, Json.fromBytes(wire, StatusEvent.class));
    }

    @Test
    void anEventWrittenBeforeReplicasHadNamesStillReads() {
        StatusEvent old = Json.fromBytes("{\"task\":\"serve\",\"state\":\"active\",\"updatedAt\":\"2026-12-01T00:00:00Z\"}"
                .getBytes(StandardCharsets.UTF_8), StatusEvent.class);
        assertNull(old.instance());
        assertNull(old.heartbeatAt());
        assertEquals(Instant.parse("2026-12-01T00:00:00Z"), old.lastSeen());
        assertEquals("serve", old.key());
    }

    @Test
    void standbyIsAStateOnTheWire() {
        assertEquals("standby", TaskState.STANDBY.wireName());
        assertFalse(TaskState.STANDBY.working());
        assertFalse(TaskState.IDLE.working());
        assertTrue(TaskState.FAILED.working());
    }

    @Test
    void theReplicaThatReportedLastAmongTheWorkingOnesGivesTheStateAndCountersAreSummed() {
        TaskStatus status = TaskStatus.aggregate("predict", List.of(
                event("predict-1", TaskState.ACTIVE, 30, 2, 100),
                event("predict-2", TaskState.FAILED, 5, 2, 7),
                event("predict-3", TaskState.IDLE, 1, 1, 0)), NOW, STALE);

        assertEquals(TaskState.FAILED, status.state());
        assertEquals("predict-2", status.instance());
        assertEquals("predict-2 is failed", status.reason());
        assertEquals("predict-2", status.details().get("by"));
        assertEquals(107L, status.counters().get("consumed"));
        assertFalse(status.stale());
        assertEquals(List.of("predict-1", "predict-2", "predict-3"), status.replicas().stream().map(TaskStatus.Replica::instance).toList());
        assertEquals(List.of(TaskState.ACTIVE, TaskState.FAILED, TaskState.IDLE),
                status.replicas().stream().map(TaskStatus.Replica::state).toList());
    }

    @Test
    void anActiveLeaderWinsOverANewerStandby() {
        TaskStatus status = TaskStatus.aggregate("predict", List.of(
                event("a", TaskState.ACTIVE, 300, 1, 0),
                event("b", TaskState.STANDBY, 2, 1, 0)), NOW, STALE);
        assertEquals(TaskState.ACTIVE, status.state());
        assertEquals("a", status.instance());
    }

    @Test
    void idleWinsOverStandbyAndStandbyAloneIsStandby() {
        assertEquals(TaskState.IDLE, TaskStatus.aggregate("predict", List.of(event("a", TaskState.STANDBY, 1, 1, 0),
                event("b", TaskState.IDLE, 50, 1, 0)), NOW, STALE).state());
        assertEquals(TaskState.STANDBY, TaskStatus.aggregate("predict", List.of(event("a", TaskState.STANDBY, 1, 1, 0),
                event("b", TaskState.STANDBY, 50, 1, 0)), NOW, STALE).state());
    }

    @Test
    void aKilledLeaderIsStaleAndItsStandbyGivesTheStateUntilItLeads() {
        StatusEvent killed = event("a", TaskState.ACTIVE, 120, 25, 40);
        TaskStatus status = TaskStatus.aggregate("predict", List.of(killed, event("b", TaskState.STANDBY, 60, 1, 0)), NOW, STALE);

        assertEquals(TaskState.STANDBY, status.state());
        assertFalse(status.stale());
        assertEquals(List.of("a"), status.replicas().stream().filter(TaskStatus.Replica::stale).map(TaskStatus.Replica::instance)
                .toList());
        assertEquals(40L, status.counters().get("consumed"));

        TaskStatus taken = TaskStatus.aggregate("predict", List.of(killed, event("b", TaskState.ACTIVE, 0, 0, 0)), NOW, STALE);
        assertEquals(TaskState.ACTIVE, taken.state());
        assertEquals("b", taken.instance());
    }

    @Test
    void whenEveryReplicaIsStaleTheLatestStillSaysWhatTheTaskLastDidAndIsMarkedStale() {
        TaskStatus status = TaskStatus.aggregate("predict", List.of(event("a", TaskState.SUCCEEDED, 600, 500, 1),
                event("b", TaskState.IDLE, 400, 400, 0)), NOW, STALE);
        assertEquals(TaskState.SUCCEEDED, status.state());
        assertTrue(status.stale());
    }

    @Test
    void eventsWithoutInstanceAreOneUnnamedReplica() {
        TaskStatus status = TaskStatus.aggregate("predict", List.of(new StatusEvent("predict", TaskState.ACTIVE, "old", null, null,
                NOW, null)), NOW, STALE);
        assertEquals(TaskStatus.UNNAMED, status.instance());
        assertEquals(List.of(TaskStatus.UNNAMED), status.replicas().stream().map(TaskStatus.Replica::instance).toList());
    }

    @Test
    void aggregatingNothingOrAnotherTaskIsRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TaskStatus.aggregate("predict", List.of(), NOW, STALE))
                .getMessage().contains("no replica"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TaskStatus.aggregate("learn", List.of(event("a", TaskState.IDLE,
                1, 1, 0)), NOW, STALE)).getMessage().contains("of task predict among those of learn"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StatusEvent.of("a/b", TaskState.IDLE, null)).getMessage()
                .contains("cannot contain '/'"));
    }
}
