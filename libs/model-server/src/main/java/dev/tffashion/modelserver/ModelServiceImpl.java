package dev.tffashion.modelserver;

import io.grpc.stub.StreamObserver;
import tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import tensorflow.serving.GetModelStatus.GetModelStatusResponse;
import tensorflow.serving.ModelManagement.ReloadConfigRequest;
import tensorflow.serving.ModelManagement.ReloadConfigResponse;
import tensorflow.serving.ModelServiceGrpc;
import tensorflow.serving.Status.StatusProto;

/** TF Serving's gRPC tensorflow.serving.ModelService: GetModelStatus and HandleReloadConfigRequest. */
final class ModelServiceImpl extends ModelServiceGrpc.ModelServiceImplBase {

    private final ModelServer server;

    ModelServiceImpl(ModelServer server) {
        this.server = server;
    }

    @Override
    public void getModelStatus(GetModelStatusRequest request, StreamObserver<GetModelStatusResponse> observer) {
        GrpcCalls.unary("GetModelStatus", observer, () -> server.registry().status(request));
    }

    @Override
    public void handleReloadConfigRequest(ReloadConfigRequest request, StreamObserver<ReloadConfigResponse> observer) {
        GrpcCalls.unary("HandleReloadConfigRequest", observer, () -> {
            server.reloadConfig(request.getConfig());
            return ReloadConfigResponse.newBuilder().setStatus(StatusProto.getDefaultInstance()).build();
        });
    }
}
