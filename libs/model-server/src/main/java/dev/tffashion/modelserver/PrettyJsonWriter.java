package dev.tffashion.modelserver;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Writes JSON text as the RapidJSON {@code PrettyWriter} that TF Serving's {@code json_tensor.cc} answers with: four spaces
 * per level, {@code ": "} after a key, and the {@code kFormatSingleLineArray} option that TF Serving switches on for each
 * prediction (array elements separated by {@code ", "} on one line). Numbers are written as given (see {@link TfNumbers}),
 * strings escaped as RapidJSON does. This reproduces TF Serving's REST answers byte for byte, e.g.
 * <pre>{
 *     "predictions": [2.5, 3.0, 4.5
 *     ]
 * }</pre>
 */
final class PrettyJsonWriter {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final StringBuilder out = new StringBuilder();
    private final Deque<Level> levels = new ArrayDeque<>();
    private boolean singleLineArrays;

    /** One open object or array and the number of values (keys count as values in an object) written into it. */
    private static final class Level {
        private final boolean array;
        private int values;

        Level(boolean array) {
            this.array = array;
        }
    }

    /** RapidJSON's {@code SetFormatOptions}: kFormatSingleLineArray (true) or kFormatDefault (false). */
    PrettyJsonWriter singleLineArrays(boolean on) {
        this.singleLineArrays = on;
        return this;
    }

    PrettyJsonWriter startObject() {
        prefix();
        levels.push(new Level(false));
        out.append('{');
        return this;
    }

    PrettyJsonWriter endObject() {
        boolean empty = levels.pop().values == 0;
        if (!empty) {
            out.append('\n');
            indent();
        }
        out.append('}');
        return this;
    }

    PrettyJsonWriter startArray() {
        prefix();
        levels.push(new Level(true));
        out.append('[');
        return this;
    }

    PrettyJsonWriter endArray() {
        boolean empty = levels.pop().values == 0;
        if (!empty && !singleLineArrays) {
            out.append('\n');
            indent();
        }
        out.append(']');
        return this;
    }

    PrettyJsonWriter key(String name) {
        return string(name);
    }

    PrettyJsonWriter string(String value) {
        prefix();
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
        return this;
    }

    /** A number, {@code true}, {@code false} or {@code NaN}/{@code Infinity} token written as it is (RapidJSON's RawValue). */
    PrettyJsonWriter raw(String token) {
        prefix();
        out.append(token);
        return this;
    }

    /** RapidJSON's {@code PrettyWriter::PrettyPrefix}: the separator and indentation before a value. */
    private void prefix() {
        Level level = levels.peek();
        if (level == null) {
            return;
        }
        if (level.array) {
            if (level.values > 0) {
                out.append(',');
                if (singleLineArrays) {
                    out.append(' ');
                }
            }
            if (!singleLineArrays) {
                out.append('\n');
                indent();
            }
        } else {
            if (level.values > 0) {
                out.append(level.values % 2 == 0 ? ",\n" : ": ");
            } else {
                out.append('\n');
            }
            if (level.values % 2 == 0) {
                indent();
            }
        }
        level.values++;
    }

    private void indent() {
        out.append(" ".repeat(4 * levels.size()));
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
