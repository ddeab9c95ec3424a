package dev.tffashion.tfserving.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.tffashion.tfserving.client.TfServingException.Kind;
import dev.tffashion.tfserving.client.TfServingStatus.Call;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** gRPC status codes in domain terms, per call. */
class TfServingStatusTest {

    @Test
    void mapsEveryCodeOnEveryCall() {
        for (Call call : Call.values()) {
            for (Status.Code code : Status.Code.values()) {
                Kind expected = switch (code) {
                    case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, CANCELLED -> Kind.UNAVAILABLE;
                    case NOT_FOUND -> Kind.MODEL_NOT_LOADED;
                    case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION -> call == Call.PREDICT ? Kind.REJECTED : Kind.FAILED;
                    default -> Kind.FAILED;
                };
                assertEquals(expected, TfServingStatus.kind(call, code), call + " " + code);
            }
        }
    }

    @Test
    void theMessageNamesTheCallTheTargetAndTheAnswer() {
        StatusRuntimeException e = Status.INVALID_ARGUMENT.withDescription("input size does not match").asRuntimeException();
        TfServingException mapped = TfServingStatus.map(Call.PREDICT, "fashion v3", "localhost:8500", e);
        assertEquals(Kind.REJECTED, mapped.kind());
        assertSame(e, mapped.getCause());
        assertEquals("Predict of fashion v3 at localhost:8500 answered INVALID_ARGUMENT (the server refused the tensor): input size "
            + "does not match", mapped.getMessage());
        assertTrue(TfServingStatus.map(Call.GET_MODEL_METADATA, "m", "t", Status.UNAVAILABLE.asRuntimeException()).unavailable());
    }
}
