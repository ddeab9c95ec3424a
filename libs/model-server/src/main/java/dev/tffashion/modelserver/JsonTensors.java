package dev.tffashion.modelserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import tensorflow.serving.Classification.ClassificationResult;
import tensorflow.serving.InputOuterClass.ExampleList;
import tensorflow.serving.InputOuterClass.ExampleListWithContext;
import tensorflow.serving.InputOuterClass.Input;
import tensorflow.serving.RegressionOuterClass.RegressionResult;

/**
 * TF Serving's REST JSON rules: the row ("instances") and columnar ("inputs") tensor formats, typed by the signature's
 * dtypes, {@code {"b64": ...}} for DT_STRING, the {@code "examples"}/{@code "context"} of classify and regress, and
 * the answers ({@code predictions}, {@code outputs}, {@code results}). Error texts follow TF Serving's.
 */
final class JsonTensors {

    private static final String B64 = "b64";
    private static final String BYTES_SUFFIX = "_bytes";

    private JsonTensors() {
    }

    /** The inputs of a row-format ("instances") request: one tensor per input, batched along a new first dimension. */
    static Map<String, TensorProto> fromInstances(JsonNode instances, Map<String, TensorInfo> signatureInputs) {
        if (!isElementObject(instances.get(0)) && signatureInputs.size() > 1) {
            throw ServingException.invalidArgument("instances is a plain list, but expecting list of objects as multiple"
                + " input tensors required as per tensorinfo_map");
        }
        boolean objects = isElementObject(instances.get(0));
        Map<String, TensorProto.Builder> tensors = new TreeMap<>();
        Map<String, TensorShapeProto> shapes = new TreeMap<>();
        Map<String, Integer> sizes = new TreeMap<>();
        int count = 0;
        for (JsonNode element : instances) {
            if (objects) {
                if (!isElementObject(element)) {
                    throw ServingException.invalidArgument("Expecting object but got list at item " + count + " of input list");
                }
                Iterator<Map.Entry<String, JsonNode>> fields = element.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    try {
                        addInstanceItem(field.getValue(), field.getKey(), signatureInputs, sizes, shapes, tensors);
                    } catch (ServingException e) {
                        throw ServingException.invalidArgument("Failed to process element: " + count + " key: " + field.getKey()
                            + " of 'instances' list. Error: INVALID_ARGUMENT: " + e.getMessage());
                    }
                }
                List<String> keys = new ArrayList<>();
                element.fieldNames().forEachRemaining(keys::add);
                if (!new TreeSet<>(keys).equals(new TreeSet<>(signatureInputs.keySet()))) {
                    throw ServingException.invalidArgument("Failed to process element: " + count + " of 'instances' list."
                        + " JSON object: " + element + " keys must be equal to: "
                        + String.join(",", new TreeSet<>(signatureInputs.keySet())));
                }
            } else {
                if (isElementObject(element)) {
                    throw ServingException.invalidArgument("Expecting value/list but got object at item " + count + " of input list");
                }
                String name = new TreeSet<>(signatureInputs.keySet()).first();
                try {
                    addInstanceItem(element, name, signatureInputs, sizes, shapes, tensors);
                } catch (ServingException e) {
                    throw ServingException.invalidArgument("Failed to process element: " + count
                        + " of 'instances' list. Error: INVALID_ARGUMENT: " + e.getMessage());
                }
            }
            count++;
        }
        Map<String, TensorProto> inputs = new LinkedHashMap<>();
        for (Map.Entry<String, TensorProto.Builder> entry : tensors.entrySet()) {
            TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dim.newBuilder().setSize(count));
            shapes.get(entry.getKey()).getDimList().forEach(d -> shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d.getSize())));
            inputs.put(entry.getKey(), entry.getValue()
                .setDtype(signatureInputs.get(entry.getKey()).getDtype())
                .setTensorShape(shape)
                .build());
        }
        return inputs;
    }

    private static void addInstanceItem(JsonNode item, String name, Map<String, TensorInfo> signatureInputs,
                                        Map<String, Integer> sizes, Map<String, TensorShapeProto> shapes,
                                        Map<String, TensorProto.Builder> tensors) {
        TensorInfo info = signatureInputs.get(name);
        if (info == null) {
            throw ServingException.invalidArgument("JSON object: does not have named input: " + name);
        }
        TensorShapeProto shape = denseShape(item);
        TensorProto.Builder tensor = tensors.computeIfAbsent(name, k -> TensorProto.newBuilder());
        int[] size = {0};
        fill(item, 0, shape, info.getDtype(), size, tensor);
        Integer known = sizes.get(name);
        if (known == null) {
            sizes.put(name, size[0]);
            shapes.put(name, shape);
        } else if (known != size[0]) {
            throw ServingException.invalidArgument("Expecting tensor size: " + known + " but got: " + size[0]);
        } else if (!shapes.get(name).equals(shape)) {
            throw ServingException.invalidArgument("Expecting shape " + shapeText(shapes.get(name)) + " but got: " + shapeText(shape));
        }
    }

    /** The inputs of a columnar-format ("inputs") request. */
    static Map<String, TensorProto> fromInputs(JsonNode value, Map<String, TensorInfo> signatureInputs) {
        Map<String, TensorProto> inputs = new LinkedHashMap<>();
        if (!value.isObject() || isBase64(value)) {
            if (signatureInputs.size() > 1) {
                throw ServingException.invalidArgument("inputs is a plain value/list, but expecting an object as multiple"
                    + " input tensors required as per tensorinfo_map");
            }
            Map.Entry<String, TensorInfo> only = signatureInputs.entrySet().iterator().next();
            inputs.put(only.getKey(), tensor(value, only.getValue().getDtype()));
            return inputs;
        }
        for (Map.Entry<String, TensorInfo> input : new TreeMap<>(signatureInputs).entrySet()) {
            JsonNode item = value.get(input.getKey());
            if (item == null) {
                throw ServingException.invalidArgument("Missing named input: " + input.getKey() + " in 'inputs' object.");
            }
            inputs.put(input.getKey(), tensor(item, input.getValue().getDtype()));
        }
        return inputs;
    }

    private static TensorProto tensor(JsonNode value, DataType dtype) {
        TensorShapeProto shape = denseShape(value);
        TensorProto.Builder tensor = TensorProto.newBuilder().setDtype(dtype).setTensorShape(shape);
        fill(value, 0, shape, dtype, new int[1], tensor);
        return tensor.build();
    }

    private static boolean isBase64(JsonNode value) {
        return value.isObject() && value.size() == 1 && value.has(B64) && value.get(B64).isTextual();
    }

    private static boolean isElementObject(JsonNode value) {
        return value.isObject() && !isBase64(value);
    }

    /** The shape a JSON value describes, read along its first elements. */
    private static TensorShapeProto denseShape(JsonNode value) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        JsonNode probe = value;
        while (probe.isArray()) {
            shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(probe.size()));
            if (probe.isEmpty()) {
                break;
            }
            probe = probe.get(0);
        }
        return shape.build();
    }

    private static void fill(JsonNode value, int level, TensorShapeProto shape, DataType dtype, int[] count, TensorProto.Builder tensor) {
        int rank = shape.getDimCount();
        if (!value.isArray()) {
            if (level != rank) {
                throw ServingException.invalidArgument("JSON Value: " + value + " found at incorrect level: " + (level + 1)
                    + " in the JSON DOM. Expected at level: " + rank);
            }
            if (value.isObject()) {
                if (dtype != DataType.DT_STRING) {
                    throw typeError(value, dtype);
                }
                tensor.addStringVal(ByteString.copyFrom(decodeBase64(value)));
            } else {
                addValue(value, dtype, tensor);
            }
            count[0]++;
            return;
        }
        if (level >= rank) {
            throw ServingException.invalidArgument("Encountered list at unexpected level: " + level + " expected < " + rank);
        }
        if (value.size() != shape.getDim(level).getSize()) {
            throw ServingException.invalidArgument("Encountered list at unexpected size: " + value.size() + " at level: " + level
                + " expected size: " + shape.getDim(level).getSize());
        }
        for (JsonNode element : value) {
            fill(element, level + 1, shape, dtype, count, tensor);
        }
    }

    private static byte[] decodeBase64(JsonNode value) {
        if (!isBase64(value)) {
            throw ServingException.invalidArgument("JSON Value: " + value + " not formatted correctly for base64 data");
        }
        try {
            return Base64.getDecoder().decode(value.get(B64).textValue());
        } catch (IllegalArgumentException e) {
            throw ServingException.invalidArgument("Unable to base64 decode");
        }
    }

    private static void addValue(JsonNode value, DataType dtype, TensorProto.Builder tensor) {
        switch (dtype) {
            case DT_FLOAT -> {
                if (!value.isNumber()) {
                    throw typeError(value, dtype);
                }
                requireLossless(value, 24, Float.MAX_VALUE, "float");
                tensor.addFloatVal(value.floatValue());
            }
            case DT_DOUBLE -> {
                if (!value.isNumber()) {
                    throw typeError(value, dtype);
                }
                requireLossless(value, 53, Double.MAX_VALUE, "double");
                tensor.addDoubleVal(value.doubleValue());
            }
            case DT_INT32 -> {
                if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                    throw typeError(value, dtype);
                }
                tensor.addIntVal(value.intValue());
            }
            case DT_INT64 -> {
                if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                    throw typeError(value, dtype);
                }
                tensor.addInt64Val(value.longValue());
            }
            case DT_BOOL -> {
                if (!value.isBoolean()) {
                    throw typeError(value, dtype);
                }
                tensor.addBoolVal(value.booleanValue());
            }
            case DT_STRING -> {
                if (!value.isTextual()) {
                    throw typeError(value, dtype);
                }
                tensor.addStringVal(ByteString.copyFromUtf8(value.textValue()));
            }
            default -> throw ServingException.unimplemented("Conversion of JSON Value: " + value + " to type: " + typeName(dtype));
        }
    }

    private static void requireLossless(JsonNode value, int mantissaBits, double max, String target) {
        boolean lossless;
        if (value.isIntegralNumber()) {
            lossless = value.bigIntegerValue().abs().bitLength() <= mantissaBits;
        } else {
            double d = value.doubleValue();
            lossless = !Double.isFinite(d) || (d <= max && d >= -max);
        }
        if (!lossless) {
            throw ServingException.invalidArgument("Cannot convert JSON value: " + value + " to " + target
                + " without loss of precision.");
        }
    }

    private static ServingException typeError(JsonNode value, DataType dtype) {
        return ServingException.invalidArgument("JSON Value: " + value + " Type: " + jsonType(value)
            + " is not of expected type: " + typeName(dtype));
    }

    private static String jsonType(JsonNode value) {
        return switch (value.getNodeType()) {
            case NULL, MISSING -> "Null";
            case BOOLEAN -> value.booleanValue() ? "True" : "False";
            case OBJECT, POJO -> "Object";
            case ARRAY -> "Array";
            case STRING, BINARY -> "String";
            case NUMBER -> "Number";
        };
    }

    /** TensorFlow's DataTypeString: DT_FLOAT is "float", DT_INT64 "int64". */
    static String typeName(DataType dtype) {
        return dtype.name().substring(3).toLowerCase(java.util.Locale.ROOT);
    }

    private static String shapeText(TensorShapeProto shape) {
        StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < shape.getDimCount(); i++) {
            text.append(i == 0 ? "" : ",").append(shape.getDim(i).getSize());
        }
        return text.append(']').toString();
    }

    /**
     * The row-format answer, as TF Serving's {@code MakeRowFormatJsonFromTensors} writes it: {@code predictions}, one
     * element (or object of outputs, in name order) per row of the outputs' common first dimension.
     */
    static String predictions(Map<String, TensorProto> outputs) {
        if (outputs.isEmpty()) {
            throw ServingException.invalidArgument("Cannot convert empty tensor map to JSON");
        }
        Map<String, TensorProto> sorted = new TreeMap<>(outputs);
        long batch = 0;
        Map<String, Values> values = new LinkedHashMap<>();
        for (Map.Entry<String, TensorProto> output : sorted.entrySet()) {
            TensorShapeProto shape = output.getValue().getTensorShape();
            if (shape.getDimCount() == 0) {
                throw ServingException.invalidArgument("Tensor name: " + output.getKey() + " has no shape information ");
            }
            long size = shape.getDim(0).getSize();
            if (size < 1) {
                throw ServingException.invalidArgument("Tensor name: " + output.getKey() + " has invalid batch size: " + size);
            }
            if (batch != 0 && size != batch) {
                throw ServingException.invalidArgument("Tensor name: " + output.getKey() + " has inconsistent batch size: " + size
                    + " expecting: " + batch);
            }
            batch = size;
            values.put(output.getKey(), new Values(output.getValue(), output.getKey().endsWith(BYTES_SUFFIX)));
        }
        boolean objects = sorted.size() > 1;
        PrettyJsonWriter json = new PrettyJsonWriter().startObject().key("predictions").startArray();
        for (long row = 0; row < batch; row++) {
            if (objects) {
                json.startObject();
            }
            json.singleLineArrays(true);
            for (Map.Entry<String, Values> output : values.entrySet()) {
                if (objects) {
                    json.key(output.getKey());
                }
                write(json, TensorConversion.dims(sorted.get(output.getKey()).getTensorShape()), 1, output.getValue());
            }
            json.singleLineArrays(false);
            if (objects) {
                json.endObject();
            }
        }
        return json.endArray().endObject().toString();
    }

    /**
     * The columnar-format answer, as TF Serving's {@code MakeColumnarFormatJsonFromTensors} writes it: {@code outputs},
     * the tensor itself or an object of tensors in name order.
     */
    static String outputs(Map<String, TensorProto> outputs) {
        if (outputs.isEmpty()) {
            throw ServingException.invalidArgument("Cannot convert empty tensor map to JSON");
        }
        boolean objects = outputs.size() > 1;
        PrettyJsonWriter json = new PrettyJsonWriter().startObject().key("outputs");
        if (objects) {
            json.startObject();
        }
        for (Map.Entry<String, TensorProto> output : new TreeMap<>(outputs).entrySet()) {
            if (objects) {
                json.key(output.getKey());
            }
            Values values = new Values(output.getValue(), output.getKey().endsWith(BYTES_SUFFIX));
            write(json, TensorConversion.dims(output.getValue().getTensorShape()), 0, values);
        }
        if (objects) {
            json.endObject();
        }
        return json.endObject().toString();
    }

    /** TF Serving's {@code AddTensorValues}: the tensor's values from dimension {@code depth} on, as nested lists. */
    private static void write(PrettyJsonWriter json, long[] dims, int depth, Values values) {
        if (depth > dims.length - 1) {
            values.writeNext(json);
            return;
        }
        json.startArray();
        for (long i = 0; i < dims[depth]; i++) {
            write(json, dims, depth + 1, values);
        }
        json.endArray();
    }

    /** The tf.Example input of a classify or regress request: {@code "examples"} and an optional {@code "context"}. */
    static Input examples(JsonNode request) {
        JsonNode examples = request.get("examples");
        if (examples == null) {
            throw ServingException.invalidArgument("JSON Value: " + request + " When method is classify, key 'examples' is"
                + " expected and was not found");
        }
        if (!examples.isArray()) {
            throw ServingException.invalidArgument("JSON Value: " + request + " Expecting 'examples' value to be an list/array");
        }
        if (examples.isEmpty()) {
            throw ServingException.invalidArgument("JSON Value: " + request + " 'examples' value is an empty array");
        }
        List<Example> list = new ArrayList<>();
        for (JsonNode example : examples) {
            list.add(example(example));
        }
        JsonNode context = request.get("context");
        if (context != null) {
            return Input.newBuilder().setExampleListWithContext(ExampleListWithContext.newBuilder()
                .setContext(example(context)).addAllExamples(list)).build();
        }
        return Input.newBuilder().setExampleList(ExampleList.newBuilder().addAllExamples(list)).build();
    }

    private static Example example(JsonNode object) {
        if (!object.isObject()) {
            throw ServingException.invalidArgument("Example must be JSON object but got JSON " + jsonType(object));
        }
        Features.Builder features = Features.newBuilder();
        Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            Feature.Builder feature = Feature.newBuilder();
            if (field.getValue().isArray()) {
                for (JsonNode value : field.getValue()) {
                    addFeatureValue(value, field.getKey(), feature);
                }
            } else {
                addFeatureValue(field.getValue(), field.getKey(), feature);
            }
            features.putFeature(field.getKey(), feature.build());
        }
        return Example.newBuilder().setFeatures(features).build();
    }

    private static void addFeatureValue(JsonNode value, String name, Feature.Builder feature) {
        switch (value.getNodeType()) {
            case BOOLEAN -> {
                requireKind(feature, Feature.KindCase.INT64_LIST, name);
                feature.getInt64ListBuilder().addValue(value.booleanValue() ? 1 : 0);
            }
            case OBJECT -> {
                if (!isBase64(value)) {
                    throw unexpectedFeature(name, value);
                }
                requireKind(feature, Feature.KindCase.BYTES_LIST, name);
                feature.getBytesListBuilder().addValue(ByteString.copyFrom(decodeBase64(value)));
            }
            case STRING -> {
                requireKind(feature, Feature.KindCase.BYTES_LIST, name);
                feature.getBytesListBuilder().addValue(ByteString.copyFromUtf8(value.textValue()));
            }
            case NUMBER -> {
                if (value.isFloatingPointNumber()) {
                    requireKind(feature, Feature.KindCase.FLOAT_LIST, name);
                    requireLossless(value, 24, Float.MAX_VALUE, "float");
                    feature.getFloatListBuilder().addValue(value.floatValue());
                } else {
                    requireKind(feature, Feature.KindCase.INT64_LIST, name);
                    if (!value.canConvertToLong()) {
                        throw ServingException.invalidArgument("Feature: " + name + " has uint64 element. Only int64 is supported.");
                    }
                    feature.getInt64ListBuilder().addValue(value.longValue());
                }
            }
            default -> throw unexpectedFeature(name, value);
        }
    }

    private static ServingException unexpectedFeature(String name, JsonNode value) {
        return ServingException.invalidArgument("Feature: " + name + " has element with unexpected JSON type: " + jsonType(value));
    }

    private static void requireKind(Feature.Builder feature, Feature.KindCase kind, String name) {
        Feature.KindCase current = feature.getKindCase();
        if (current != Feature.KindCase.KIND_NOT_SET && current != kind) {
            String type = switch (current) {
                case BYTES_LIST -> "bytes";
                case FLOAT_LIST -> "float";
                case INT64_LIST -> "int64";
                default -> "UNKNOWN";
            };
            throw ServingException.invalidArgument("Unexpected element type in feature: " + name + " expecting type: " + type);
        }
    }

    /** The classify answer, as TF Serving writes it: {@code {"results": [[[label, score], ...], ...]}}, one list per example. */
    static String classificationResults(ClassificationResult result) {
        if (result.getClassificationsCount() == 0) {
            throw ServingException.invalidArgument("Cannot convert empty ClassificationResults to JSON");
        }
        PrettyJsonWriter json = new PrettyJsonWriter().startObject().key("results").startArray();
        for (var classifications : result.getClassificationsList()) {
            json.singleLineArrays(true).startArray();
            for (var c : classifications.getClassesList()) {
                json.startArray().string(c.getLabel()).raw(TfNumbers.jsonFloat(c.getScore())).endArray();
            }
            json.endArray().singleLineArrays(false);
        }
        return json.endArray().endObject().toString();
    }

    /** The regress answer, as TF Serving writes it: {@code {"results": [value, ...]}}, one value per example. */
    static String regressionResults(RegressionResult result) {
        if (result.getRegressionsCount() == 0) {
            throw ServingException.invalidArgument("Cannot convert empty RegressionResults to JSON");
        }
        PrettyJsonWriter json = new PrettyJsonWriter().startObject().key("results").singleLineArrays(true).startArray();
        result.getRegressionsList().forEach(r -> json.raw(TfNumbers.jsonFloat(r.getValue())));
        return json.endArray().endObject().toString();
    }

    /** Reads a TensorProto's values in order, from its typed fields or its tensor_content, as JSON tokens. */
    private static final class Values {
        private final TensorProto tensor;
        private final ByteBuffer content;
        private final boolean bytes;
        private int index;

        Values(TensorProto tensor, boolean bytes) {
            this.tensor = tensor;
            this.bytes = bytes;
            this.content = tensor.getTensorContent().isEmpty() ? null
                : tensor.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            if (!TensorConversion.supported(tensor.getDtype())) {
                throw ServingException.invalidArgument("Failed to write JSON value for tensor type: " + typeName(tensor.getDtype()));
            }
        }

        /** Writes the next value as TF Serving's AddSingleValueAndAdvance does (numbers as {@link TfNumbers} prints them). */
        void writeNext(PrettyJsonWriter json) {
            int i = index++;
            switch (tensor.getDtype()) {
                case DT_FLOAT -> json.raw(TfNumbers.jsonFloat(content != null ? content.getFloat() : tensor.getFloatVal(i)));
                case DT_DOUBLE -> json.raw(TfNumbers.jsonDouble(content != null ? content.getDouble() : tensor.getDoubleVal(i)));
                case DT_INT32 -> json.raw(Integer.toString(content != null ? content.getInt() : tensor.getIntVal(i)));
                case DT_INT64 -> json.raw(Long.toString(content != null ? content.getLong() : tensor.getInt64Val(i)));
                case DT_STRING -> {
                    if (bytes) {
                        json.startObject().key(B64).string(Base64.getEncoder().encodeToString(tensor.getStringVal(i).toByteArray()))
                            .endObject();
                    } else {
                        json.string(tensor.getStringVal(i).toString(StandardCharsets.UTF_8));
                    }
                }
                default -> json.raw(Boolean.toString(content != null ? content.get() != 0 : tensor.getBoolVal(i)));
            }
        }
    }
}
