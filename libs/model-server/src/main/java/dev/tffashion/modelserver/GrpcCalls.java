package dev.tffashion.modelserver;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Runs one unary gRPC call, answering a {@link ServingException} with its TF Serving status code. */
final class GrpcCalls {

    private static final Logger LOG = Logger.getLogger(GrpcCalls.class.getName());

    private GrpcCalls() {
    }

    static <T> void unary(String method, StreamObserver<T> observer, Supplier<T> call) {
        T response;
        try {
            response = call.get();
        } catch (ServingException e) {
            observer.onError(Status.fromCodeValue(e.code().getNumber()).withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, method + " failed unexpectedly", e);
            observer.onError(Status.INTERNAL.withDescription(method + " failed: " + e).withCause(e).asRuntimeException());
            return;
        }
        observer.onNext(response);
        observer.onCompleted();
    }
}
