package dev.tffashion.learn;

import java.util.List;

/** A recipe that cannot be trained: each problem names its line, the field and what is allowed. */
public class RecipeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public RecipeException(List<String> problems) {
        super("invalid training recipe: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public RecipeException(String problem) {
        this(List.of(problem));
    }

    /** Each problem, e.g. "line 1: model 'transformer' is not supported; use mlp or cnn". */
    public List<String> problems() {
        return problems;
    }
}
