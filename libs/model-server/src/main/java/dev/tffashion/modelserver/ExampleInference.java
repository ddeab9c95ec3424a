package dev.tffashion.modelserver;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import tensorflow.serving.Classification.Class;
import tensorflow.serving.Classification.ClassificationRequest;
import tensorflow.serving.Classification.ClassificationResponse;
import tensorflow.serving.Classification.ClassificationResult;
import tensorflow.serving.Classification.Classifications;
import tensorflow.serving.Inference.InferenceResult;
import tensorflow.serving.Inference.InferenceTask;
import tensorflow.serving.Inference.MultiInferenceRequest;
import tensorflow.serving.Inference.MultiInferenceResponse;
import tensorflow.serving.InputOuterClass.Input;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.RegressionOuterClass.Regression;
import tensorflow.serving.RegressionOuterClass.RegressionRequest;
import tensorflow.serving.RegressionOuterClass.RegressionResponse;
import tensorflow.serving.RegressionOuterClass.RegressionResult;

/**
 * TF Serving's tf.Example APIs on one loaded version: Classify, Regress and MultiInference. The examples of the request
 * (with the context's features first, when there is a context) are serialized into one DT_STRING tensor [n] that is fed
 * to the signature's "inputs"; the "classes"/"scores" or "outputs" tensors are turned into per-example results.
 */
final class ExampleInference {

    static final String CLASSIFY_METHOD = "tensorflow/serving/classify";
    static final String REGRESS_METHOD = "tensorflow/serving/regress";
    private static final String INPUTS = "inputs";
    private static final String CLASSES = "classes";
    private static final String SCORES = "scores";
    private static final String OUTPUTS = "outputs";

    private ExampleInference() {
    }

    static ClassificationResponse classify(LoadedVersion version, ClassificationRequest request) {
        String signatureName = signatureName(request.getModelSpec());
        SignatureDef signature = signature(version, signatureName);
        Prepared prepared = prepareClassification(signature, version.methodNameCheck());
        TensorProto examples = serializedExamples(request.getInput());
        List<TensorProto> outputs = version.timedRun(request.getModelSpec().getName(), "Classify", Map.of(prepared.input(), examples),
            prepared.outputs());
        return ClassificationResponse.newBuilder()
            .setModelSpec(version.modelSpec(signatureName))
            .setResult(classificationResult(signature, count(examples), prepared.outputs(), outputs))
            .build();
    }

    static RegressionResponse regress(LoadedVersion version, RegressionRequest request) {
        String signatureName = signatureName(request.getModelSpec());
        SignatureDef signature = signature(version, signatureName);
        Prepared prepared = prepareRegression(signature, version.methodNameCheck());
        TensorProto examples = serializedExamples(request.getInput());
        List<TensorProto> outputs = version.timedRun(request.getModelSpec().getName(), "Regress", Map.of(prepared.input(), examples),
            prepared.outputs());
        return RegressionResponse.newBuilder()
            .setModelSpec(version.modelSpec(signatureName))
            .setResult(regressionResult(signature, count(examples), prepared.outputs(), outputs))
            .build();
    }

    /** Several classify/regress signatures of one model over the same examples, in one session run. */
    static MultiInferenceResponse multiInference(LoadedVersion version, MultiInferenceRequest request) {
        if (request.getTasksCount() == 0) {
            throw ServingException.invalidArgument("Found no tasks in MultiInference request.");
        }
        String input = null;
        Set<String> signatureNames = new TreeSet<>();
        Set<String> fetchSet = new TreeSet<>();
        List<SignatureDef> signatures = new ArrayList<>();
        for (InferenceTask task : request.getTasksList()) {
            if (task.getModelSpec().getName().isEmpty()) {
                throw ServingException.invalidArgument("Found ModelSpec with an empty model name.");
            }
            if (!task.getModelSpec().getName().equals(version.modelName())) {
                throw ServingException.invalidArgument("All ModelSpecs in a MultiInferenceRequest must access the same model name.");
            }
            String signatureName = signatureName(task.getModelSpec());
            if (!signatureNames.add(signatureName)) {
                throw ServingException.invalidArgument("Duplicate evaluation of signature: " + signatureName);
            }
            SignatureDef signature = version.signatures().get(signatureName);
            if (signature == null) {
                throw ServingException.invalidArgument("Requested signature not found in model graph: " + signatureName);
            }
            Prepared prepared = switch (task.getMethodName()) {
                case CLASSIFY_METHOD -> prepareClassification(signature, version.methodNameCheck());
                case REGRESS_METHOD -> prepareRegression(signature, version.methodNameCheck());
                default -> throw ServingException.invalidArgument("Unsupported signature method_name: " + task.getMethodName());
            };
            if (input == null) {
                input = prepared.input();
            } else if (!input.equals(prepared.input())) {
                throw ServingException.invalidArgument("Input tensor must be the same for all Signatures.");
            }
            fetchSet.addAll(prepared.outputs());
            signatures.add(signature);
        }
        TensorProto examples = serializedExamples(request.getInput());
        List<String> fetches = new ArrayList<>(fetchSet);
        List<TensorProto> outputs = version.run(Map.of(input, examples), fetches);
        MultiInferenceResponse.Builder response = MultiInferenceResponse.newBuilder();
        for (int i = 0; i < request.getTasksCount(); i++) {
            InferenceTask task = request.getTasks(i);
            InferenceResult.Builder result = InferenceResult.newBuilder()
                .setModelSpec(version.modelSpec(signatureName(task.getModelSpec())));
            if (task.getMethodName().equals(CLASSIFY_METHOD)) {
                result.setClassificationResult(classificationResult(signatures.get(i), count(examples), fetches, outputs));
            } else {
                result.setRegressionResult(regressionResult(signatures.get(i), count(examples), fetches, outputs));
            }
            response.addResults(result);
        }
        return response.build();
    }

    private static String signatureName(ModelSpec spec) {
        return spec.getSignatureName().isEmpty() ? LoadedVersion.DEFAULT_SIGNATURE : spec.getSignatureName();
    }

    /** The named signature; its method_name and shape are checked where it is prepared. */
    private static SignatureDef signature(LoadedVersion version, String name) {
        SignatureDef signature = version.signatures().get(name);
        if (signature == null) {
            throw ServingException.invalidArgument("No signature was found with the name: " + name + " (model "
                + version.modelName() + " version " + version.version() + " has " + version.signatures().keySet() + ")");
        }
        return signature;
    }

    /** The input tensor name and the output tensor names of a run. */
    private record Prepared(String input, List<String> outputs) {
    }

    /**
     * TF Serving's PreProcessClassification: the signature's shape (one input "inputs"; "classes", "scores" or both), and its
     * method_name only with --enable_signature_method_name_check (off by default: TF2 models name no such method).
     */
    private static Prepared prepareClassification(SignatureDef signature, boolean methodNameCheck) {
        if (methodNameCheck && !signature.getMethodName().equals(CLASSIFY_METHOD)) {
            throw ServingException.invalidArgument("Expected classification signature method_name to be " + CLASSIFY_METHOD
                + ". Was: " + signature.getMethodName());
        }
        if (signature.getInputsCount() != 1) {
            throw ServingException.invalidArgument("Expected one input Tensor.");
        }
        if (signature.getOutputsCount() != 1 && signature.getOutputsCount() != 2) {
            throw ServingException.invalidArgument("Expected one or two output Tensors, found " + signature.getOutputsCount());
        }
        TensorInfo input = signature.getInputsMap().get(INPUTS);
        if (input == null) {
            throw ServingException.invalidArgument("No classification inputs found in SignatureDef: " + signature);
        }
        TensorInfo classes = signature.getOutputsMap().get(CLASSES);
        TensorInfo scores = signature.getOutputsMap().get(SCORES);
        if (classes == null && scores == null) {
            throw ServingException.invalidArgument("Expected classification signature outputs to contain at least one of \""
                + CLASSES + "\" or \"" + SCORES + "\". Signature was: " + signature);
        }
        List<String> outputs = new ArrayList<>();
        if (classes != null) {
            outputs.add(classes.getName());
        }
        if (scores != null) {
            outputs.add(scores.getName());
        }
        return new Prepared(input.getName(), outputs);
    }

    /** TF Serving's PreProcessRegression: one input "inputs", one output "outputs"; the method_name as for classification. */
    private static Prepared prepareRegression(SignatureDef signature, boolean methodNameCheck) {
        if (methodNameCheck && !signature.getMethodName().equals(REGRESS_METHOD)) {
            throw ServingException.invalidArgument("Expected regression signature method_name to be " + REGRESS_METHOD
                + ". Was: " + signature.getMethodName());
        }
        if (signature.getInputsCount() != 1) {
            throw ServingException.invalidArgument("Expected one input Tensor.");
        }
        if (signature.getOutputsCount() != 1) {
            throw ServingException.invalidArgument("Expected one output Tensor.");
        }
        TensorInfo input = signature.getInputsMap().get(INPUTS);
        if (input == null) {
            throw ServingException.invalidArgument("No regression inputs found in SignatureDef: " + signature);
        }
        TensorInfo output = signature.getOutputsMap().get(OUTPUTS);
        if (output == null) {
            throw ServingException.invalidArgument("No regression outputs found in SignatureDef: " + signature);
        }
        return new Prepared(input.getName(), List.of(output.getName()));
    }

    /** The examples as one DT_STRING tensor [n]: each serialized, prefixed by the serialized context when there is one. */
    static TensorProto serializedExamples(Input input) {
        List<Example> examples;
        ByteString context = ByteString.EMPTY;
        switch (input.getKindCase()) {
            case EXAMPLE_LIST -> examples = input.getExampleList().getExamplesList();
            case EXAMPLE_LIST_WITH_CONTEXT -> {
                examples = input.getExampleListWithContext().getExamplesList();
                context = input.getExampleListWithContext().getContext().toByteString();
            }
            default -> examples = List.of();
        }
        if (examples.isEmpty()) {
            throw ServingException.invalidArgument("Input is empty.");
        }
        TensorProto.Builder tensor = TensorProto.newBuilder()
            .setDtype(DataType.DT_STRING)
            .setTensorShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(examples.size())));
        for (Example example : examples) {
            // A serialized proto followed by another is the merge of both: the example's features win over the context's.
            tensor.addStringVal(context.concat(example.toByteString()));
        }
        return tensor.build();
    }

    private static int count(TensorProto examples) {
        return examples.getStringValCount();
    }

    private static TensorProto output(String name, List<String> fetches, List<TensorProto> outputs) {
        return name == null ? null : outputs.get(fetches.indexOf(name));
    }

    private static String shape(TensorProto tensor) {
        return TensorConversion.shapeString(tensor.getTensorShape());
    }

    private static ClassificationResult classificationResult(SignatureDef signature, int examples, List<String> fetches,
                                                             List<TensorProto> outputs) {
        TensorInfo classesInfo = signature.getOutputsMap().get(CLASSES);
        TensorInfo scoresInfo = signature.getOutputsMap().get(SCORES);
        TensorProto classes = output(classesInfo == null ? null : classesInfo.getName(), fetches, outputs);
        TensorProto scores = output(scoresInfo == null ? null : scoresInfo.getName(), fetches, outputs);
        if (classes != null) {
            checkMatrix(classes, DataType.DT_STRING, "classes", examples);
        }
        if (scores != null) {
            checkMatrix(scores, DataType.DT_FLOAT, "scores", examples);
        }
        long numClasses;
        if (classes != null && scores != null) {
            long c = classes.getTensorShape().getDim(1).getSize();
            long s = scores.getTensorShape().getDim(1).getSize();
            if (c != s) {
                throw ServingException.invalidArgument("Tensors class and score should match in dim_size(1). Got " + c + " vs. " + s);
            }
            numClasses = c;
        } else {
            numClasses = (classes != null ? classes : scores).getTensorShape().getDim(1).getSize();
        }
        ClassificationResult.Builder result = ClassificationResult.newBuilder();
        for (int i = 0; i < examples; i++) {
            Classifications.Builder classifications = result.addClassificationsBuilder();
            for (int c = 0; c < numClasses; c++) {
                int at = (int) (i * numClasses + c);
                Class.Builder cl = classifications.addClassesBuilder();
                if (classes != null) {
                    cl.setLabel(classes.getStringVal(at).toStringUtf8());
                }
                if (scores != null) {
                    cl.setScore(scores.getFloatVal(at));
                }
            }
        }
        return result.build();
    }

    private static void checkMatrix(TensorProto tensor, DataType dtype, String what, int examples) {
        if (tensor.getTensorShape().getDimCount() != 2) {
            throw ServingException.invalidArgument("Expected Tensor shape: [batch_size num_classes] but got " + shape(tensor));
        }
        if (tensor.getDtype() != dtype) {
            throw ServingException.invalidArgument("Expected " + what + " Tensor of " + dtype + ". Got: " + tensor.getDtype());
        }
        if (tensor.getTensorShape().getDim(0).getSize() != examples) {
            throw ServingException.invalidArgument("Expected " + what + " output batch size of " + examples + ". Got: "
                + tensor.getTensorShape().getDim(0).getSize());
        }
    }

    private static RegressionResult regressionResult(SignatureDef signature, int examples, List<String> fetches,
                                                     List<TensorProto> outputs) {
        TensorProto output = output(signature.getOutputsMap().get(OUTPUTS).getName(), fetches, outputs);
        TensorShapeProto shape = output.getTensorShape();
        if (!(shape.getDimCount() == 1 || (shape.getDimCount() == 2 && shape.getDim(1).getSize() == 1))) {
            throw ServingException.invalidArgument("Expected output Tensor shape to be either [batch_size] or [batch_size, 1] but got "
                + shape(output));
        }
        if (shape.getDim(0).getSize() != examples) {
            throw ServingException.invalidArgument("Input batch size did not match output batch size: " + examples + " vs. "
                + shape.getDim(0).getSize());
        }
        if (output.getDtype() != DataType.DT_FLOAT) {
            throw ServingException.invalidArgument("Expected output Tensor of DT_FLOAT.  Got: " + output.getDtype());
        }
        RegressionResult.Builder result = RegressionResult.newBuilder();
        for (int i = 0; i < examples; i++) {
            result.addRegressions(Regression.newBuilder().setValue(output.getFloatVal(i)));
        }
        return result.build();
    }
}
