package dev.tffashion.tfserving.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The one mapping of TF Serving's gRPC status codes to {@link TfServingException.Kind}, per call. UNAVAILABLE, DEADLINE_EXCEEDED,
 * RESOURCE_EXHAUSTED, ABORTED and CANCELLED: {@code UNAVAILABLE}. NOT_FOUND: {@code MODEL_NOT_LOADED}. INVALID_ARGUMENT,
 * OUT_OF_RANGE and FAILED_PRECONDITION: {@code REJECTED} on Predict (the tensor's fault), {@code FAILED} on the metadata calls (the
 * request names nothing wrong the caller could drop). Everything else: {@code FAILED}.
 */
public final class TfServingStatus {

    /** The calls of TF Serving's gRPC API this library makes. */
    public enum Call {
        GET_MODEL_METADATA("GetModelMetadata"),
        GET_MODEL_STATUS("GetModelStatus"),
        PREDICT("Predict"),
        RELOAD_CONFIG("HandleReloadConfigRequest");

        private final String method;

        Call(String method) {
            this.method = method;
        }

        /** The gRPC method name. */
        public String method() {
            return method;
        }
    }

    private TfServingStatus() {
    }

    /** What a status code answered to a call means. */
    public static TfServingException.Kind kind(Call call, Status.Code code) {
        return switch (code) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, CANCELLED -> TfServingException.Kind.UNAVAILABLE;
            case NOT_FOUND -> TfServingException.Kind.MODEL_NOT_LOADED;
            case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION -> call == Call.PREDICT ? TfServingException.Kind.REJECTED
                : TfServingException.Kind.FAILED;
            default -> TfServingException.Kind.FAILED;
        };
    }

    /**
     * The domain failure of a call, with a message that names the call, what it asked for, the target and the answer, e.g.
     * {@code Predict of fashion v3 at localhost:8500 answered UNAVAILABLE (the server does not answer): io exception}.
     */
    public static TfServingException map(Call call, String what, String target, StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        TfServingException.Kind kind = kind(call, code);
        String meaning = switch (code) {
            case UNAVAILABLE -> " (the server does not answer)";
            case DEADLINE_EXCEEDED -> " (no answer in time)";
            case RESOURCE_EXHAUSTED, ABORTED, CANCELLED -> " (the server is busy)";
            case NOT_FOUND -> " (the model or version is not loaded)";
            default -> kind == TfServingException.Kind.REJECTED ? " (the server refused the tensor)" : "";
        };
        String description = e.getStatus().getDescription();
        return new TfServingException(kind, call.method() + " of " + what + " at " + target + " answered " + code + meaning
            + (description == null ? "" : ": " + description), e);
    }
}
