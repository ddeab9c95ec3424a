package dev.tffashion.filedrop.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the file drop, under {@code file-drop.*}. */
@ConfigMapping(prefix = "file-drop")
public interface FileDropConfig {

    /** Largest picture accepted on /imageInput, in bytes (larger: 413). */
    @WithDefault("10485760")
    long maxImageBytes();

    /** Largest script or recipe accepted on /scriptInput, in bytes (larger: 413). */
    @WithDefault("1048576")
    long maxScriptBytes();

    /** Largest picture accepted, in pixels (width x height), checked from the header before decoding (larger: 413). */
    @WithDefault("25000000")
    long maxImagePixels();

    /** How long a drop waits for Kafka to acknowledge the value (acks=all) before answering 503. */
    @WithDefault("30s")
    Duration publishTimeout();
}
