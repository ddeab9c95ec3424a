package dev.tffashion.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;

/**
 * The pipeline's one JSON mapping: ISO-8601 instants, unknown fields tolerated (newer producers may add fields). Instants are
 * written by {@link IsoInstants#format} (the text of {@link Instant#toString()}, as Jackson's writer gives it) and read by
 * {@link IsoInstants#fastPath} in that form; every other form goes to Jackson's own reader, as before.
 */
public final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            // registered after JavaTimeModule, so its writer and reader of Instant are the ones used
            .registerModule(new SimpleModule("tf-fashion-instants").addSerializer(Instant.class, new InstantText())
                    .addDeserializer(Instant.class, new FastInstants()))
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {
    }

    /** The shared mapper; do not reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static byte[] toBytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    public static String toString(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** Reads JSON; a malformed document raises {@link MalformedValueException} naming the type expected. */
    public static <T> T fromBytes(byte[] json, Class<T> type) {
        T value;
        try {
            value = MAPPER.readValue(json, type);
        } catch (IOException | IllegalArgumentException e) {
            throw new MalformedValueException("not a valid " + type.getSimpleName() + " JSON document: " + e.getMessage(), e);
        }
        if (value == null) {
            throw new MalformedValueException("not a valid " + type.getSimpleName() + " JSON document: it is empty or JSON null", null);
        }
        return value;
    }

    /**
     * Reads an instant written by {@link Instant#toString()} directly (a value's {@code createdAt}, a status event's times), and
     * leaves any other token or text to Jackson's {@link InstantDeserializer}, which then accepts, rejects and converts it as it
     * does without this reader.
     */
    static final class FastInstants extends StdScalarDeserializer<Instant> {

        private static final long serialVersionUID = 1L;

        FastInstants() {
            super(Instant.class);
        }

        @Override
        public Instant deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            if (parser.hasToken(JsonToken.VALUE_STRING)) {
                Instant fast = IsoInstants.fastPath(parser.getText());
                if (fast != null) {
                    return fast;
                }
            }
            return InstantDeserializer.INSTANT.deserialize(parser, context);
        }
    }

    /** Writes an instant as the string {@link Instant#toString()} gives, as JavaTimeModule's writer does with this mapping. */
    static final class InstantText extends StdScalarSerializer<Instant> {

        private static final long serialVersionUID = 1L;

        InstantText() {
            super(Instant.class);
        }

        @Override
        public void serialize(Instant value, JsonGenerator generator, SerializerProvider provider) throws IOException {
            generator.writeString(IsoInstants.format(value));
        }
    }
}
