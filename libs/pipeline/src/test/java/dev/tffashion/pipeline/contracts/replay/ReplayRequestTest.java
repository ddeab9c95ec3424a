package dev.tffashion.pipeline.contracts.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ReplayRequestTest {

    private static ReplayRequest parse(String json) {
        return ReplayRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheWindowForm() {
        ReplayRequest r = parse("{\"version\": 2, \"since\": \"2026-12-01T00:00:00Z\", \"until\": \"2026-12-02T00:00:00Z\"}");
        assertEquals(2, r.toVersion());
        assertNull(r.fromVersion());
        assertEquals(Instant.parse("2026-12-01T00:00:00Z"), r.since());
        assertEquals(Instant.parse("2026-12-02T00:00:00Z"), r.until());
        assertTrue(r.selects(1, Instant.parse("2026-12-01T00:00:00Z")));
        assertFalse(r.selects(1, Instant.parse("2026-12-02T00:00:00Z")));
        assertFalse(r.selects(1, Instant.parse("2026-11-30T23:59:59Z")));
    }

    @Test
    void readsTheVersionForm() {
        ReplayRequest r = parse("{\"fromVersion\": 1, \"toVersion\": 2}");
        assertEquals(2, r.toVersion());
        assertEquals(1L, r.fromVersion());
        assertTrue(r.selects(1, Instant.EPOCH));
        assertFalse(r.selects(3, Instant.EPOCH));
        assertEquals("v1 -> v2", r.describe());
    }

    @Test
    void theSameBodyIsTheSameReplayWhateverItsSpelling() {
        ReplayRequest a = parse("{\"fromVersion\": 1, \"toVersion\": 2}");
        ReplayRequest b = parse("{ \"toVersion\":2,\"fromVersion\":1 }");
        assertEquals(a.id(), b.id());
        assertEquals(32, a.id().length());
        assertEquals(parse("{\"version\": 2, \"since\": \"2026-12-01T01:00:00+01:00\"}").id(),
            parse("{\"version\": 2, \"since\": \"2026-12-01T00:00:00Z\"}").id());
        assertNotEquals(a.id(), parse("{\"fromVersion\": 1, \"toVersion\": 3}").id());
        assertNotEquals(a.id(), parse("{\"version\": 2}").id());
        assertNotEquals(parse("{\"version\": 2}").id(), parse("{\"version\": 2, \"until\": \"2026-12-01T00:00:00Z\"}").id());
    }

    @Test
    void predictionIdsAreDerivedFromReplayAndTensor() {
        String replay = ReplayRequest.between(1, 2).id();
        assertEquals(ReplayRequest.predictionId(replay, "t1"), ReplayRequest.predictionId(replay, "t1"));
        assertNotEquals(ReplayRequest.predictionId(replay, "t1"), ReplayRequest.predictionId(replay, "t2"));
        assertNotEquals(ReplayRequest.predictionId(replay, "t1"), ReplayRequest.predictionId(ReplayRequest.between(1, 3).id(), "t1"));
    }

    @Test
    void theRecordOnKafkaReadsBackAndItsIdIsChecked() {
        ReplayRequest r = ReplayRequest.window(2, Instant.parse("2026-12-01T00:00:00Z"), null);
        assertEquals(r, ReplayRequest.fromJson(r.toJson()));
        String forged = new String(r.toJson(), StandardCharsets.UTF_8).replace(r.id(), "0".repeat(32));
        assertThrows(RuntimeException.class, () -> ReplayRequest.fromJson(forged.getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''|no body",
        "not json|not JSON",
        "[1, 2]|JSON object",
        "{}|names no version",
        "{\"version\": \"2\"}|whole number",
        "{\"version\": 2.5}|whole number",
        "{\"version\": 0}|1 or more",
        "{\"version\": 2, \"fromVersion\": 1}|not both",
        "{\"fromVersion\": 1}|only fromVersion",
        "{\"toVersion\": 2}|only toVersion",
        "{\"fromVersion\": 2, \"toVersion\": 2}|nothing would change",
        "{\"fromVersion\": 1, \"toVersion\": 2, \"since\": \"2026-12-01T00:00:00Z\"}|go with version",
        "{\"version\": 2, \"since\": \"yesterday\"}|not an ISO-8601 instant",
        "{\"version\": 2, \"since\": 5}|ISO-8601 instant in quotes",
        "{\"version\": 2, \"since\": \"2026-12-02T00:00:00Z\", \"until\": \"2026-12-01T00:00:00Z\"}|must be before until",
        "{\"version\": 2, \"model\": \"x\"}|unknown field(s) [model]",
    })
    void badBodiesSayWhatIsWrong(String body, String expected) {
        InvalidReplayRequestException e = assertThrows(InvalidReplayRequestException.class, () -> parse(body));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertNotEquals(null, e.hint());
    }
}
