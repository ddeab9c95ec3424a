package dev.tffashion.filedrop.config;

import java.time.Duration;
import java.util.Optional;

import dev.tffashion.imaging.PreprocessorOptions;
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

    /**
     * Largest picture accepted, in pixels (width x height), checked from the header before decoding (larger: 413). The same
     * limit as image-convert's {@code tf-fashion.image-convert.max-pixels} behind the door: both default to libs/imaging's
     * {@link PreprocessorOptions#DEFAULT_MAX_PIXELS} (50 MP), so that what the door accepts is converted.
     */
    @WithDefault(PreprocessorOptions.DEFAULT_MAX_PIXELS_TEXT)
    long maxImagePixels();

    /**
     * Largest body of any other write (a replay request, a rollout command: small JSON documents), in bytes (larger: 413). The
     * guard reads every write's body before its resource runs, without a thread, within file-drop.upload-timeout, and counts it
     * in the upload memory; OTLP exports have their own limit (file-drop.traces.max-export-bytes).
     */
    @WithDefault("65536")
    long maxRequestBytes();

    /**
     * How many MiB of drop bodies file-drop holds in its heap at once. A drop reserves its size (its Content-Length, else its
     * task's limit) before its body is read; one that finds no room is answered 503 {@code busy} at once, with nothing accepted.
     * It keeps many large uploads at once from exhausting the heap (-Xmx256m in jvm.options): 128 uploads of 9 MB at once ran
     * file-drop out of memory; with 128 MiB they were refused instead and file-drop's heap held, and of 32 such uploads at once 15
     * were accepted.
     */
    @WithDefault("128")
    long uploadMemoryMib();

    /**
     * How long a write's body (a drop's, any other) may take to arrive, from its headers to its last byte; slower: 408
     * {@code upload-timeout}, nothing accepted, its memory room given back. Bodies are read without holding a thread, so stalled
     * uploads cost a connection and their room only, and this bounds how long. 60 s takes a 10 MiB picture over a link of about 1.4 Mbit/s.
     */
    @WithDefault("60s")
    Duration uploadTimeout();

    /** How long a drop waits for Kafka to acknowledge the value (acks=all) before answering 503. */
    @WithDefault("30s")
    Duration publishTimeout();

    /**
     * Bearer token that every write ({@code POST /scriptInput}, {@code POST /imageInput}, any method but GET, HEAD and OPTIONS)
     * must carry as {@code Authorization: Bearer <token>}; without it or with another one the answer is 401. Unset or empty: drops
     * are open (logged once at start). Set it from the environment ({@code FILE_DROP_TOKEN}) or a Secret, never in a committed
     * file. Reads (the UI, {@code /v1/*}, {@code /q/health}) stay open.
     */
    Optional<String> token();
}
