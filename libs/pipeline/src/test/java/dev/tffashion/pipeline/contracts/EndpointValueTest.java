package dev.tffashion.pipeline.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;

class EndpointValueTest {

    @TempDir
    Path dir;

    static EndpointValue sample() {
        return new EndpointValue("localhost:8500", "http://localhost:8501", "fashion", 3L, "serving_default", "images",
            "probabilities", "model-1", "0.8812", "embedded");
    }

    @Test
    void roundTripsThroughTheWire() {
        EndpointValue endpoint = sample();
        AnnotatedValue value = endpoint.toValue("tf-fashion");
        assertEquals(ValueIds.derived("serve", "endpoint", "model-1"), value.id());
        assertEquals("3", value.annotation(EndpointValue.MODEL_VERSION));
        assertEquals("localhost:8500", value.annotation(EndpointValue.GRPC_TARGET));

        assertEquals(endpoint, EndpointValue.from(Wire.roundTrip(value), ContentStore.atFolder(dir)));
    }

    @Test
    void defaultsTheSignatureAndRefusesAnEndpointWithoutTarget() {
        EndpointValue noSignature = new EndpointValue("h:1", null, "fashion", 1L, null, null, null, "m", null, null);
        assertEquals(EndpointValue.DEFAULT_SIGNATURE, noSignature.signatureName());
        AnnotatedValue broken = sample().toValue("tf-fashion").toBuilder()
            .content(Contents.inline("{\"modelName\":\"fashion\",\"modelValueId\":\"m\"}".getBytes(StandardCharsets.UTF_8),
                "application/json")).build();
        var e = assertThrows(MalformedValueException.class, () -> EndpointValue.from(broken, ContentStore.atFolder(dir)));
        assertTrue(e.getMessage().contains("gRPC target"), e.getMessage());
    }
}
