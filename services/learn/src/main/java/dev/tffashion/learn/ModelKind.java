package dev.tffashion.learn;

import java.util.Arrays;
import java.util.Optional;

/** The network architectures a recipe can ask for. */
public enum ModelKind {
    /** A multi-layer perceptron: 784 inputs, one hidden layer, 10 outputs. */
    MLP("mlp"),
    /** A small convolutional network. */
    CNN("cnn");

    private final String id;

    ModelKind(String id) {
        this.id = id;
    }

    /** The name used in recipes. */
    public String id() {
        return id;
    }

    /** The kind named {@code id} in a recipe (case-insensitive). */
    public static Optional<ModelKind> fromId(String id) {
        return Arrays.stream(values()).filter(kind -> kind.id.equalsIgnoreCase(id.trim())).findFirst();
    }
}
