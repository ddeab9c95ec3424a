package dev.tffashion.tfservingapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.google.protobuf.Any;
import io.grpc.MethodDescriptor;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.proto.error.Code;
import tensorflow.serving.GetModelMetadata.SignatureDefMap;
import tensorflow.serving.GetModelStatus.ModelVersionStatus;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.ModelServiceGrpc;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.PredictionServiceGrpc;
import tensorflow.serving.Status.StatusProto;

/** Checks that the generated TF Serving stubs link to TensorFlow Java's own tensorflow.* message classes. */
class GeneratedStubsTest {

    @Test
    void tensorFieldsUseTensorFlowJavaClasses() throws Exception {
        assertSame(TensorProto.getDescriptor(),
            PredictRequest.getDescriptor().findFieldByName("inputs").getMessageType().findFieldByName("value").getMessageType());
        TensorProto tensor = TensorProto.newBuilder()
            .setDtype(DataType.DT_FLOAT)
            .setTensorShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(2)))
            .addFloatVal(0.5f).addFloatVal(1.5f)
            .build();
        PredictRequest request = PredictRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName("fashion").setSignatureName("serving_default"))
            .putInputs("images", tensor)
            .build();
        PredictRequest parsed = PredictRequest.parseFrom(request.toByteArray());
        assertEquals(tensor, parsed.getInputsOrThrow("images"));
    }

    @Test
    void statusAndMetadataMessagesLink() throws Exception {
        ModelVersionStatus status = ModelVersionStatus.newBuilder()
            .setVersion(2)
            .setState(ModelVersionStatus.State.END)
            .setStatus(StatusProto.newBuilder().setErrorCode(Code.NOT_FOUND).setErrorMessage("no saved_model.pb"))
            .build();
        assertEquals(Code.NOT_FOUND, ModelVersionStatus.parseFrom(status.toByteArray()).getStatus().getErrorCode());

        SignatureDefMap map = SignatureDefMap.newBuilder()
            .putSignatureDef("serving_default", SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict").build())
            .build();
        assertEquals(map, Any.pack(map).unpack(SignatureDefMap.class));
    }

    @Test
    void servicesHaveTfServingMethodNames() {
        MethodDescriptor<?, ?> predict = PredictionServiceGrpc.getPredictMethod();
        assertEquals("tensorflow.serving.PredictionService/Predict", predict.getFullMethodName());
        assertEquals("tensorflow.serving.ModelService/GetModelStatus", ModelServiceGrpc.getGetModelStatusMethod().getFullMethodName());
    }
}
