package dev.tffashion.learn;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/** What a dropped script is: a YAML training recipe (trained in-process) or a Python training script (run by Python). */
public enum ScriptKind {
    RECIPE,
    PYTHON;

    /** Media type file-drop gives Python scripts. */
    public static final String PYTHON_MEDIA_TYPE = "text/x-python";

    private static final Pattern PYTHON_HINTS = Pattern.compile(
        "(?m)^(#!.*python|import \\w|from [\\w.]+ import |def \\w+\\(|if __name__ ?==)");

    /**
     * Decides from the media type file-drop assigned, else the file name ({@code .py}, {@code .yaml}/{@code .yml}), else the
     * content (a shebang, imports or definitions make it Python).
     */
    public static ScriptKind of(String mediaType, String fileName, byte[] content) {
        String type = mediaType == null ? "" : mediaType.toLowerCase(Locale.ROOT);
        if (type.contains("python")) {
            return PYTHON;
        }
        if (type.contains("yaml")) {
            return RECIPE;
        }
        String name = fileName == null ? "" : fileName.toLowerCase(Locale.ROOT);
        if (name.endsWith(".py")) {
            return PYTHON;
        }
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            return RECIPE;
        }
        return PYTHON_HINTS.matcher(new String(content, StandardCharsets.UTF_8)).find() ? PYTHON : RECIPE;
    }
}
