package dev.tffashion.filedrop.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The local OTLP trace receiver (docs/observability.md), under {@code file-drop.traces.*}. */
@ConfigMapping(prefix = "file-drop.traces")
public interface TracesConfig {

    /** What to do about an export over {@link #maxExportBytes()}, as sent (the guard) or once gunzipped (the receiver). */
    String TOO_LARGE_HINT = "export fewer spans at a time (OTEL_BSP_MAX_EXPORT_BATCH_SIZE), or raise file-drop.traces.max-export-bytes";

    /** How many recent spans the receiver keeps in memory for {@code GET /v1/predictions/{id}/trace}; the oldest go first. */
    @WithDefault("20000")
    int capacity();

    /**
     * Largest OTLP export taken on {@code POST /v1/traces}, in bytes, both as sent and once gunzipped (larger: 413). The services'
     * exporters send at most 512 spans at a time (the OpenTelemetry SDK's batch), a few hundred bytes each.
     */
    @WithDefault("4194304")
    long maxExportBytes();
}
