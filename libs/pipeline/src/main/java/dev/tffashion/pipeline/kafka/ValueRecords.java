package dev.tffashion.pipeline.kafka;

import org.apache.kafka.common.header.Headers;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.MalformedValueException;

/**
 * The one place that turns a record of a pipeline topic back into an annotated value. Every reader (task consumers,
 * topic followers, tests, tools) goes through here, so that the wire encoding of a value is one decision.
 */
public final class ValueRecords {

    private ValueRecords() {
    }

    /**
     * The annotated value a record carries. A record without a value (a tombstone), an empty or blank value, JSON
     * {@code null}, or anything else that is not an annotated value raises {@link MalformedValueException} with the
     * reason.
     */
    public static AnnotatedValue decode(Headers headers, byte[] value) {
        if (value == null) {
            throw new MalformedValueException("the record has no value (a tombstone?), not an annotated value");
        }
        if (isBlank(value)) {
            throw new MalformedValueException("the record's value is empty" + (value.length == 0 ? "" : " (white space only)")
                + ", not an annotated value");
        }
        return Json.fromBytes(value, AnnotatedValue.class);
    }

    private static boolean isBlank(byte[] value) {
        for (byte b : value) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
