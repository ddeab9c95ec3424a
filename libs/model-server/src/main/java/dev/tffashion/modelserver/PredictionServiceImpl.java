package dev.tffashion.modelserver;

import io.grpc.stub.StreamObserver;
import tensorflow.serving.Classification.ClassificationRequest;
import tensorflow.serving.Classification.ClassificationResponse;
import tensorflow.serving.GetModelMetadata.GetModelMetadataRequest;
import tensorflow.serving.GetModelMetadata.GetModelMetadataResponse;
import tensorflow.serving.Inference.MultiInferenceRequest;
import tensorflow.serving.Inference.MultiInferenceResponse;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;
import tensorflow.serving.PredictionServiceGrpc;
import tensorflow.serving.RegressionOuterClass.RegressionRequest;
import tensorflow.serving.RegressionOuterClass.RegressionResponse;

/**
 * TF Serving's gRPC tensorflow.serving.PredictionService: Predict, Classify, Regress, MultiInference and GetModelMetadata,
 * each counted and timed under TF Serving's metric names (entrypoint GRPC).
 */
final class PredictionServiceImpl extends PredictionServiceGrpc.PredictionServiceImplBase {

    private static final String GRPC = "GRPC";

    private final ModelRegistry registry;
    private final ServingMetrics metrics;

    PredictionServiceImpl(ModelRegistry registry, ServingMetrics metrics) {
        this.registry = registry;
        this.metrics = metrics;
    }

    @Override
    public void predict(PredictRequest request, StreamObserver<PredictResponse> observer) {
        GrpcCalls.unary("Predict", observer, () -> metrics.request(request.getModelSpec().getName(), "Predict", GRPC,
            () -> registry.predict(request)));
    }

    @Override
    public void getModelMetadata(GetModelMetadataRequest request, StreamObserver<GetModelMetadataResponse> observer) {
        GrpcCalls.unary("GetModelMetadata", observer, () -> metrics.request(request.getModelSpec().getName(), "GetModelMetadata",
            GRPC, () -> registry.metadata(request)));
    }

    @Override
    public void classify(ClassificationRequest request, StreamObserver<ClassificationResponse> observer) {
        GrpcCalls.unary("Classify", observer, () -> metrics.request(request.getModelSpec().getName(), "Classify", GRPC,
            () -> registry.classify(request)));
    }

    @Override
    public void regress(RegressionRequest request, StreamObserver<RegressionResponse> observer) {
        GrpcCalls.unary("Regress", observer, () -> metrics.request(request.getModelSpec().getName(), "Regress", GRPC,
            () -> registry.regress(request)));
    }

    @Override
    public void multiInference(MultiInferenceRequest request, StreamObserver<MultiInferenceResponse> observer) {
        String model = request.getTasksCount() == 0 ? "" : request.getTasks(0).getModelSpec().getName();
        GrpcCalls.unary("MultiInference", observer, () -> metrics.request(model, "MultiInference", GRPC,
            () -> registry.multiInference(request)));
    }
}
