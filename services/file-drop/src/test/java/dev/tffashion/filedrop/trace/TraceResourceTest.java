package dev.tffashion.filedrop.trace;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * file-drop's OTLP/HTTP receiver keeps the spans it is sent, and {@code GET /v1/predictions/{id}/trace} answers one picture's trace
 * with each span's service and times in ms, the batch spans of other traces that link to it, and the hops of the timeline.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
class TraceResourceTest {

    private static final String PICTURE_TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String OTHER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final long MS = 1_000_000L;

    @Test
    void aPicturesTraceIsItsSpansAndTheHopsOfItsTimeline() throws IOException {
        ExportTraceServiceRequest fileDrop = export("file-drop",
            span(PICTURE_TRACE, "a1", null, "drop", 0, 3, "tffashion.output.id", "picture-1"));
        ExportTraceServiceRequest convert = export("image-convert",
            span(PICTURE_TRACE, "b1", "a1", "imageConvert process", 5, 9, "tffashion.output.id", "tensor-1"),
            span(PICTURE_TRACE, "b2", "b1", "preprocess", 6, 8, null, null));
        // The picture's predict span, and the batch span of another picture's trace that links to it, with its Predict call
        Span batch = span(OTHER_TRACE, "d1", "c9", "predict batch", 11, 15, "tffashion.batch.size", "2").toBuilder()
            .addLinks(Span.Link.newBuilder().setTraceId(bytes(PICTURE_TRACE)).setSpanId(bytes(pad("c1")))).build();
        ExportTraceServiceRequest predict = export("predict",
            span(PICTURE_TRACE, "c1", "b1", "predict process", 10, 18, "tffashion.output.id", "prediction-1"), batch,
            span(OTHER_TRACE, "d2", "d1", "Predict", 12, 14, null, null));
        post(fileDrop.toByteArray(), null);
        post(predict.toByteArray(), null);
        post(gzip(convert.toByteArray()), "gzip");

        for (String id : new String[] {"picture-1", "tensor-1", "prediction-1"}) {
            given().get("/v1/predictions/" + id + "/trace").then().statusCode(200)
                .body("traceId", equalTo(PICTURE_TRACE))
                .body("durationMs", equalTo(18.0f))
                .body("hops.hop", contains("drop", "imageConvert", "predict", "answer"))
                .body("hops.service", contains("file-drop", "image-convert", "predict", "predict"))
                .body("hops[1].startMs", equalTo(5.0f))
                .body("hops[1].durationMs", equalTo(4.0f))
                .body("hops[3].startMs", equalTo(18.0f))
                .body("spans.name", contains("drop", "imageConvert process", "preprocess", "predict process", "predict batch",
                    "Predict"))
                .body("spans.find { it.name == 'predict batch' }.linked", equalTo(true))
                .body("spans.find { it.name == 'Predict' }.service", equalTo("predict"))
                .body("spans.service", hasItem("image-convert"));
        }
    }

    @Test
    void anUnknownIdIsA404ThatSaysWhy() {
        given().get("/v1/predictions/never-dropped/trace").then().statusCode(404)
            .body("error", containsString("no trace of never-dropped"))
            .body("hint", containsString("QUARKUS_OTEL_SDK_DISABLED=false"));
    }

    @Test
    void aBodyThatIsNotAnOtlpExportIsRefusedWithWhatToSend() {
        given().contentType("application/x-protobuf").body(new byte[] {(byte) 0xff, 0x01, 0x02}).post("/v1/traces").then()
            .statusCode(400).body("error", containsString("not an OTLP trace export"));
    }

    @Test
    void anExportOverTheLimitIsRefusedAsSentAndOnceUnpacked() throws IOException {
        // file-drop.traces.max-export-bytes is 4 MiB: declared larger, refused before its body is read
        given().contentType("application/x-protobuf").body(new byte[5 * 1024 * 1024]).post("/v1/traces").then()
            .statusCode(413).body("error", containsString("trace export is 5242880 bytes"))
            .body("hint", containsString("file-drop.traces.max-export-bytes"));
        // 64 MiB of zeros gzip to about 64 kB: refused once 4 MiB are unpacked, never held whole
        given().contentType("application/x-protobuf").header("Content-Encoding", "gzip").body(gzip(new byte[64 * 1024 * 1024]))
            .post("/v1/traces").then().statusCode(413).body("error", containsString("unpacks to more than the limit of 4194304"));
    }

    private static void post(byte[] body, String encoding) {
        var request = given().contentType("application/x-protobuf").body(body);
        if (encoding != null) {
            request.header("Content-Encoding", encoding);
        }
        request.post("/v1/traces").then().statusCode(200).contentType("application/x-protobuf");
    }

    private static ExportTraceServiceRequest export(String service, Span... spans) {
        ScopeSpans.Builder scope = ScopeSpans.newBuilder();
        for (Span span : spans) {
            scope.addSpans(span);
        }
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
            .setResource(Resource.newBuilder().addAttributes(attribute("service.name", service))).addScopeSpans(scope)).build();
    }

    private static Span span(String trace, String id, String parent, String name, long startMs, long endMs, String key, String value) {
        Span.Builder span = Span.newBuilder().setTraceId(bytes(trace)).setSpanId(bytes(pad(id))).setName(name)
            .setStartTimeUnixNano(T0 + startMs * MS).setEndTimeUnixNano(T0 + endMs * MS);
        if (parent != null) {
            span.setParentSpanId(bytes(pad(parent)));
        }
        if (key != null) {
            span.addAttributes(attribute(key, value));
        }
        return span.build();
    }

    private static KeyValue attribute(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static String pad(String id) {
        return "0".repeat(16 - id.length()) + id;
    }

    private static ByteString bytes(String hex) {
        return ByteString.copyFrom(HexFormat.of().parseHex(hex));
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(bytes);
        }
        return out.toByteArray();
    }
}
