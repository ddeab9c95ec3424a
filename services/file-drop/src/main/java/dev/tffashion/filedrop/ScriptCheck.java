package dev.tffashion.filedrop;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Checks that a dropped script is UTF-8 text and tells a Python training script from a YAML training recipe. Whether a recipe
 * is valid is the learn task's decision (it answers on the status and dead-letter topics).
 */
public final class ScriptCheck {

    /** Media type of a training recipe. */
    public static final String YAML = "application/yaml";
    /** Media type of a Python training script. */
    public static final String PYTHON = "text/x-python";

    private static final Pattern PYTHON_HINTS = Pattern.compile(
            "(?m)^(#!.*python|import \\w|from [\\w.]+ import |def \\w+\\(|if __name__ ?==)");

    /** A YAML key and the space after it ({@code model: }), wherever it stands. */
    private static final Pattern KEY = Pattern.compile("[A-Za-z_][\\w-]*:\\s");

    private ScriptCheck() {
    }

    /**
     * Whether a script reads as a file of several lines with its line breaks taken out, as {@code curl -d @file} sends it: no line
     * break at all, not a one-line flow mapping ({@code {model: mlp, epochs: 1}}), and a comment (which now runs to the end) or
     * two keys or more ({@code model: mlpepochs: 1}). A one-line recipe typed on the command line ({@code -d 'model: mlp'}) is not.
     */
    public static boolean flattened(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8).strip();
        if (text.isEmpty() || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0 || text.startsWith("{")) {
            return false;
        }
        return text.indexOf('#') >= 0 || KEY.matcher(text).results().limit(2).count() >= 2;
    }

    /** Returns the media type of the script, or refuses the drop. */
    public static String check(byte[] bytes, String fileName) {
        if (bytes.length == 0) {
            throw new DropRefusedException(400, "empty", "the request body is empty",
                    "send the recipe's bytes: curl --data-binary @samples/recipes/mlp.yaml http://localhost:8080/scriptInput");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new DropRefusedException(415, "not-text", "the script is not UTF-8 text (binary content?)",
                    "send a YAML training recipe or a Python script as UTF-8 text");
        }
        if (text.indexOf('\0') >= 0) {
            throw new DropRefusedException(415, "not-text", "the script contains NUL bytes: it is binary, not text",
                    "send a YAML training recipe or a Python script as UTF-8 text");
        }
        String name = fileName == null ? "" : fileName.toLowerCase(Locale.ROOT);
        if (name.endsWith(".py") || (!name.endsWith(".yaml") && !name.endsWith(".yml") && PYTHON_HINTS.matcher(text).find())) {
            return PYTHON;
        }
        return YAML;
    }
}
