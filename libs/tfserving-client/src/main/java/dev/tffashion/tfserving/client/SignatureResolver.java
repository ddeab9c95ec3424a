package dev.tffashion.tfserving.client;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Chooses the picture input and the score output of a model's signature, the same way for every caller (serve-manager verifies the
 * model with the names predict then classifies with). A pure function of the signature and the names an endpoint announces.
 *
 * <p>Input: the announced name if any (it must exist); else the only input; else the only input without a default value; else the
 * first of {@link #PREFERRED_INPUTS} the signature has. Every other input must have a default value in the signature, because one
 * float tensor is all the client sends (TF Serving, like the embedded model server, refuses a request that misses a required input):
 * a signature {@code {input_image, keep_prob}} without a default for {@code keep_prob} is refused, naming what to change. Output:
 * the announced name if any; else the only output; else the first of {@link #PREFERRED_OUTPUTS}. The input must be DT_FLOAT.
 */
public final class SignatureResolver {

    /** Input names tried, in order, when a signature has several candidate inputs. */
    public static final List<String> PREFERRED_INPUTS = List.of("images", "image", "input_image", "inputs", "input", "x");
    /** Output names tried, in order, when a signature has several outputs (probabilities before logits). */
    public static final List<String> PREFERRED_OUTPUTS = List.of("probabilities", "probs", "predictions", "scores", "outputs", "output",
        "logits");

    static final String FLOAT = "DT_FLOAT";

    /**
     * One input or output of a signature.
     *
     * @param dtype TensorFlow's data type name, such as {@code DT_FLOAT}
     * @param dims the dimensions (-1 for an unknown one), or null when the rank is unknown
     * @param hasDefault whether the signature gives the input a default value (a request may leave it out)
     */
    public record TensorSpec(String dtype, long[] dims, boolean hasDefault) {

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorSpec t && dtype.equals(t.dtype) && Arrays.equals(dims, t.dims) && hasDefault == t.hasDefault;
        }

        @Override
        public int hashCode() {
            return dtype.hashCode() * 31 + Arrays.hashCode(dims);
        }

        @Override
        public String toString() {
            return dtype + ServingSignature.dims(dims) + (hasDefault ? " (has a default)" : "");
        }
    }

    /** The chosen input and output names. */
    public record Choice(String input, String output) {
    }

    private SignatureResolver() {
    }

    /**
     * Chooses the input and output.
     *
     * @param what the signature, for messages ({@code signature 'serving_default' of fashion v3})
     * @param announcedInput the input name the endpoint announces, or null to choose
     * @param announcedOutput the output name the endpoint announces, or null to choose
     * @throws TfServingException of kind FAILED, saying what the signature lacks and what to change
     */
    public static Choice resolve(String what, Map<String, TensorSpec> inputs, Map<String, TensorSpec> outputs, String announcedInput,
            String announcedOutput) {
        String input = chooseInput(what, inputs, announcedInput);
        TensorSpec spec = inputs.get(input);
        if (!FLOAT.equals(spec.dtype())) {
            throw unusable(what + ": input '" + input + "' is " + spec.dtype() + "; pictures are sent as " + FLOAT + " in [0,1]");
        }
        List<String> required = new ArrayList<>();
        inputs.forEach((name, other) -> {
            if (!name.equals(input) && !other.hasDefault()) {
                required.add(name);
            }
        });
        if (!required.isEmpty()) {
            throw unusable(what + " has inputs " + new TreeSet<>(inputs.keySet()) + ": the picture goes to '" + input + "', and "
                + new TreeSet<>(required) + " would be left out but have no default value in the signature; export the serving "
                + "signature with the picture as its only input (fix the others, e.g. keep_prob=1.0, inside the graph)");
        }
        return new Choice(input, choose(what, outputs, announcedOutput, PREFERRED_OUTPUTS, "output"));
    }

    private static String chooseInput(String what, Map<String, TensorSpec> inputs, String announced) {
        if (announced == null && !inputs.isEmpty()) {
            List<String> withoutDefault = inputs.entrySet().stream().filter(e -> !e.getValue().hasDefault()).map(Map.Entry::getKey)
                .toList();
            if (withoutDefault.size() == 1) {
                return withoutDefault.get(0);
            }
        }
        return choose(what, inputs, announced, PREFERRED_INPUTS, "input");
    }

    private static String choose(String what, Map<String, TensorSpec> tensors, String announced, List<String> preferred, String kind) {
        if (announced != null) {
            if (tensors.containsKey(announced)) {
                return announced;
            }
            throw unusable(what + " has no " + kind + " '" + announced + "' (the endpoint names it); it has "
                + new TreeSet<>(tensors.keySet()));
        }
        if (tensors.size() == 1) {
            return tensors.keySet().iterator().next();
        }
        for (String name : preferred) {
            if (tensors.containsKey(name)) {
                return name;
            }
        }
        throw unusable(what + " has " + (tensors.isEmpty() ? "no " + kind + "s" : kind + "s " + new TreeSet<>(tensors.keySet())
            + " and none is named " + preferred) + "; cannot tell which " + kind + " to use (export one, or name it on the endpoint)");
    }

    private static TfServingException unusable(String message) {
        return new TfServingException(TfServingException.Kind.FAILED, message);
    }
}
