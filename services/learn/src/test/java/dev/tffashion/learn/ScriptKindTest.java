package dev.tffashion.learn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ScriptKindTest {

    private static byte[] text(String content) {
        return content.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theMediaTypeDecidesFirst() {
        assertThat(ScriptKind.of("text/x-python", "recipe.yaml", text("model: mlp"))).isEqualTo(ScriptKind.PYTHON);
        assertThat(ScriptKind.of("application/yaml", "x.py", text("import os"))).isEqualTo(ScriptKind.RECIPE);
    }

    @Test
    void thenTheFileNameThenTheContent() {
        assertThat(ScriptKind.of(null, "train.py", text("print(1)"))).isEqualTo(ScriptKind.PYTHON);
        assertThat(ScriptKind.of("text/plain", "cnn.yml", text("import: x"))).isEqualTo(ScriptKind.RECIPE);
        assertThat(ScriptKind.of(null, null, text("#!/usr/bin/env python3\nprint(1)\n"))).isEqualTo(ScriptKind.PYTHON);
        assertThat(ScriptKind.of(null, null, text("import tensorflow as tf\n"))).isEqualTo(ScriptKind.PYTHON);
        assertThat(ScriptKind.of(null, null, text("model: cnn\nepochs: 2\n"))).isEqualTo(ScriptKind.RECIPE);
    }
}
