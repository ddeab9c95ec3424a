package dev.tffashion.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.EndpointValue;
import dev.tffashion.pipeline.store.ContentStore;

class EndpointTest {

    @TempDir
    Path dir;

    @Test
    void readsTheEndpointValueServeWrites() {
        AnnotatedValue value = new EndpointValue("tfs:8500", "http://tfs:8501", "fashion", 4L, "s", "images", null, "model-1", "0.88",
            "kubernetes").toValue("tf-fashion");
        assertEquals(new Endpoint(value.id(), "tfs:8500", "fashion", 4L, "s", "images", null), Endpoint.of(value, store()));
        assertEquals("fashion v4 at tfs:8500", Endpoint.of(value, store()).describe());
    }

    @Test
    void defaultsTheSignatureAndTheVersionIsOptional() {
        Endpoint endpoint = Endpoint.of(TestValues.endpoint("h:1", "fashion", null, null), store());
        assertNull(endpoint.modelVersion());
        assertEquals("serving_default", endpoint.signatureName());
    }

    @Test
    void saysWhatIsWrong() {
        AnnotatedValue noTarget = TestValues.withContent(TestValues.endpoint("h:1", "fashion", 1L, null), "application/json",
            "{\"modelName\":\"fashion\",\"modelValueId\":\"m\"}".getBytes(StandardCharsets.UTF_8));
        var e = assertThrows(IllegalArgumentException.class, () -> Endpoint.of(noTarget, store()));
        assertTrue(e.getMessage().contains("grpcTarget"), e.getMessage());
        AnnotatedValue badVersion = TestValues.withContent(noTarget, "application/json",
            "{\"grpcTarget\":\"h:1\",\"modelName\":\"fashion\",\"modelVersion\":\"latest\",\"modelValueId\":\"m\"}"
                .getBytes(StandardCharsets.UTF_8));
        var v = assertThrows(IllegalArgumentException.class, () -> Endpoint.of(badVersion, store()));
        assertTrue(v.getMessage().contains("modelVersion"), v.getMessage());
        AnnotatedValue notEndpoint = TestValues.tensor("img", 1);
        assertThrows(IllegalArgumentException.class, () -> Endpoint.of(notEndpoint, store()));
    }

    private ContentStore store() {
        return ContentStore.atFolder(dir);
    }
}
