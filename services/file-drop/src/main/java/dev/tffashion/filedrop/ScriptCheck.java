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

    private ScriptCheck() {
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
