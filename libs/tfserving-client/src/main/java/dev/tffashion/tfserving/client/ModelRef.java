package dev.tffashion.tfserving.client;

/**
 * Which model a call asks TF Serving for: its name, a version (null for TF Serving's latest) and the signature.
 */
public record ModelRef(String name, Long version, String signatureName) {

    public ModelRef {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a model reference needs the model's name");
        }
        if (signatureName == null || signatureName.isBlank()) {
            signatureName = "serving_default";
        }
    }

    /** For messages: {@code fashion v3 (serving_default)}, or {@code fashion (latest, serving_default)}. */
    public String describe() {
        return name + (version == null || version <= 0 ? " (latest, " : " v" + version + " (") + signatureName + ")";
    }
}
