package dev.tffashion.filedrop.trace;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.tffashion.filedrop.DropRefusedException;
import dev.tffashion.filedrop.config.TracesConfig;
import dev.tffashion.filedrop.rest.ApiError;
import dev.tffashion.filedrop.rest.WriteBodies;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /v1/traces}: a small OTLP/HTTP receiver (binary protobuf, optionally gzip) for running without a collector:
 * {@code bin/tf-fashion up} points every service's OTLP exporter here, and the spans are kept in a bounded ring ({@link SpanRing})
 * for {@code GET /v1/predictions/{id}/trace} and the UI's timeline. JSON-encoded OTLP is not accepted (415).
 */
@Path("/v1/traces")
public class OtlpReceiver {

    /** OTLP/HTTP's binary protobuf content type. */
    public static final String PROTOBUF = "application/x-protobuf";

    private static final HexFormat HEX = HexFormat.of();

    @Inject
    SpanRing ring;

    @Inject
    TracesConfig config;

    @POST
    @Consumes(PROTOBUF)
    public Response export(@Context RoutingContext ctx, @HeaderParam("Content-Encoding") String encoding) {
        ExportTraceServiceRequest request;
        try {
            request = ExportTraceServiceRequest.parseFrom(decoded(WriteBodies.body(ctx), encoding, config.maxExportBytes()));
        } catch (InvalidProtocolBufferException e) {
            return ApiError.response(400, "not an OTLP trace export: " + e.getMessage(),
                "POST an ExportTraceServiceRequest in binary protobuf (Content-Type: application/x-protobuf), as OTLP/HTTP exporters do");
        } catch (IOException e) {
            return ApiError.response(400, "the body is not gzip (Content-Encoding: " + encoding + "): " + e.getMessage(),
                "send the body as it is, or gzip it and say so with Content-Encoding: gzip");
        }
        ring.add(spans(request));
        return Response.ok(ExportTraceServiceResponse.getDefaultInstance().toByteArray(), PROTOBUF).build();
    }

    /**
     * The export as sent, or gunzipped: at most {@code limit} bytes either way (the guard bounds what is sent; here a small gzip
     * that would unpack to gigabytes is refused with 413 before it fills the heap).
     */
    private static byte[] decoded(byte[] body, String encoding, long limit) throws IOException {
        if (!"gzip".equalsIgnoreCase(encoding)) {
            return body;
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            byte[] unpacked = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
            if (unpacked.length > limit) {
                throw new DropRefusedException(413, "too-large", "the trace export unpacks to more than the limit of " + limit
                    + " bytes (" + body.length + " bytes gzipped)", TracesConfig.TOO_LARGE_HINT);
            }
            return unpacked;
        }
    }

    /** The spans of an export, each with its resource's {@code service.name}. */
    static List<StoredSpan> spans(ExportTraceServiceRequest request) {
        List<StoredSpan> spans = new ArrayList<>();
        for (ResourceSpans resource : request.getResourceSpansList()) {
            String service = "unknown";
            for (KeyValue kv : resource.getResource().getAttributesList()) {
                if ("service.name".equals(kv.getKey())) {
                    service = text(kv.getValue());
                }
            }
            for (ScopeSpans scope : resource.getScopeSpansList()) {
                for (Span span : scope.getSpansList()) {
                    spans.add(stored(span, service));
                }
            }
        }
        return spans;
    }

    private static StoredSpan stored(Span span, String service) {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (KeyValue kv : span.getAttributesList()) {
            attributes.put(kv.getKey(), text(kv.getValue()));
        }
        List<StoredSpan.Link> links = new ArrayList<>(span.getLinksCount());
        for (Span.Link link : span.getLinksList()) {
            links.add(new StoredSpan.Link(HEX.formatHex(link.getTraceId().toByteArray()), HEX.formatHex(link.getSpanId().toByteArray())));
        }
        String parent = span.getParentSpanId().isEmpty() ? null : HEX.formatHex(span.getParentSpanId().toByteArray());
        String error = span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR ? span.getStatus().getMessage() : null;
        return new StoredSpan(HEX.formatHex(span.getTraceId().toByteArray()), HEX.formatHex(span.getSpanId().toByteArray()), parent,
            span.getName(), service, kind(span.getKind()), span.getStartTimeUnixNano(), span.getEndTimeUnixNano(), attributes, links,
            error, false);
    }

    private static String kind(Span.SpanKind kind) {
        return switch (kind) {
            case SPAN_KIND_SERVER -> "server";
            case SPAN_KIND_CLIENT -> "client";
            case SPAN_KIND_PRODUCER -> "producer";
            case SPAN_KIND_CONSUMER -> "consumer";
            default -> "internal";
        };
    }

    private static String text(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case INT_VALUE -> Long.toString(value.getIntValue());
            case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
            case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
            default -> value.toString().strip();
        };
    }
}
