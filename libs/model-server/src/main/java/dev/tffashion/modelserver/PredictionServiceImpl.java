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

/** TF Serving's gRPC tensorflow.serving.PredictionService: Predict and GetModelMetadata; the tf.Example APIs answer UNIMPLEMENTED. */
final class PredictionServiceImpl extends PredictionServiceGrpc.PredictionServiceImplBase {

    private static final String USE_PREDICT = "send the tensors to Predict instead";

    private final ModelRegistry registry;

    PredictionServiceImpl(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void predict(PredictRequest request, StreamObserver<PredictResponse> observer) {
        GrpcCalls.unary("Predict", observer, () -> registry.predict(request));
    }

    @Override
    public void getModelMetadata(GetModelMetadataRequest request, StreamObserver<GetModelMetadataResponse> observer) {
        GrpcCalls.unary("GetModelMetadata", observer, () -> registry.metadata(request));
    }

    @Override
    public void classify(ClassificationRequest request, StreamObserver<ClassificationResponse> observer) {
        GrpcCalls.unimplemented("Classify", USE_PREDICT, observer);
    }

    @Override
    public void regress(RegressionRequest request, StreamObserver<RegressionResponse> observer) {
        GrpcCalls.unimplemented("Regress", USE_PREDICT, observer);
    }

    @Override
    public void multiInference(MultiInferenceRequest request, StreamObserver<MultiInferenceResponse> observer) {
        GrpcCalls.unimplemented("MultiInference", USE_PREDICT, observer);
    }
}
