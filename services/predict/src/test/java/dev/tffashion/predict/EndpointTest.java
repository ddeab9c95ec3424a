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
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;

class EndpointTest {

    @TempDir
    Path dir;

    @Test
    void readsTheAnnotations() {
        AnnotatedValue value = TestValues.endpoint("127.0.0.1:8500", "fashion", 3L, null);
        Endpoint endpoint = Endpoint.of(value, ContentStore.atFolder(dir));
        assertEquals(new Endpoint(value.id(), "127.0.0.1:8500", "fashion", 3L, "serving_default"), endpoint);
        assertEquals("fashion v3 at 127.0.0.1:8500", endpoint.describe());
    }

    @Test
    void fallsBackToTheJsonContent() {
        byte[] json = ("{\"grpcTarget\":\"tfs:8500\",\"restUrl\":\"http://tfs:8501\",\"modelName\":\"fashion\",\"version\":4,"
            + "\"signature\":\"s\",\"inputName\":\"images\"}").getBytes(StandardCharsets.UTF_8);
        AnnotatedValue value = AnnotatedValue.builder().id("e1").pipeline("tf-fashion").task("serve").output("endpoint")
            .type("endpoint").data(Contents.dataUri("application/json", json)).mediaType("application/json").size(json.length).build();
        assertEquals(new Endpoint("e1", "tfs:8500", "fashion", 4L, "s", "images", null), Endpoint.of(value, ContentStore.atFolder(dir)));
    }

    @Test
    void versionIsOptional() {
        AnnotatedValue value = TestValues.endpoint("h:1", "fashion", null, "serving_default");
        assertNull(Endpoint.of(value, ContentStore.atFolder(dir)).modelVersion());
    }

    @Test
    void saysWhatIsMissing() {
        AnnotatedValue noTarget = TestValues.endpoint("h:1", "fashion", 1L, null).toBuilder()
            .annotations(java.util.Map.of(Endpoint.MODEL_NAME, "fashion")).build();
        var e = assertThrows(IllegalArgumentException.class, () -> Endpoint.of(noTarget, ContentStore.atFolder(dir)));
        assertTrue(e.getMessage().contains("grpcTarget"), e.getMessage());
        AnnotatedValue badVersion = TestValues.endpoint("h:1", "fashion", 1L, null).toBuilder()
            .annotation(Endpoint.MODEL_VERSION, "latest").build();
        var v = assertThrows(IllegalArgumentException.class, () -> Endpoint.of(badVersion, ContentStore.atFolder(dir)));
        assertTrue(v.getMessage().contains("whole number"), v.getMessage());
        AnnotatedValue notEndpoint = TestValues.tensor("img", 1);
        assertThrows(IllegalArgumentException.class, () -> Endpoint.of(notEndpoint, ContentStore.atFolder(dir)));
    }
}
