package dev.tffashion.modelserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;

/** Converts between TF Serving REST's JSON tensors (nested lists of numbers) and TensorProto. */
final class JsonTensors {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private JsonTensors() {
    }

    /** The tensor a JSON value describes, with the signature's dtype (DT_FLOAT when unknown). */
    static TensorProto fromJson(String alias, JsonNode value, DataType dtype) {
        DataType type = TensorConversion.supported(dtype) ? dtype : DataType.DT_FLOAT;
        List<Long> shapeList = new ArrayList<>();
        JsonNode probe = value;
        while (probe.isArray()) {
            shapeList.add((long) probe.size());
            if (probe.isEmpty()) {
                break;
            }
            probe = probe.get(0);
        }
        long[] dims = shapeList.stream().mapToLong(Long::longValue).toArray();
        long count = TensorConversion.elementCount(alias, dims);
        ByteBuffer content = ByteBuffer.allocate(Math.toIntExact(count * TensorConversion.byteWidth(type))).order(ByteOrder.LITTLE_ENDIAN);
        write(alias, value, dims, 0, new StringBuilder(), type, content);
        content.flip();
        return TensorProto.newBuilder()
            .setDtype(type)
            .setTensorShape(TensorConversion.shapeProto(dims))
            .setTensorContent(ByteString.copyFrom(content))
            .build();
    }

    private static void write(String alias, JsonNode node, long[] dims, int depth, StringBuilder at, DataType type, ByteBuffer out) {
        if (depth < dims.length) {
            if (!node.isArray() || node.size() != dims[depth]) {
                throw ServingException.invalidArgument("input '" + alias + "' is not a rectangular list: at " + position(at)
                    + " expected a list of " + dims[depth] + " elements, as the first elements of the same depth have, got "
                    + abbreviate(node));
            }
            int length = at.length();
            for (int i = 0; i < node.size(); i++) {
                at.append('[').append(i).append(']');
                write(alias, node.get(i), dims, depth + 1, at, type, out);
                at.setLength(length);
            }
            return;
        }
        switch (type) {
            case DT_BOOL -> {
                if (!node.isBoolean()) {
                    throw nonValue(alias, at, node, "true or false");
                }
                out.put((byte) (node.booleanValue() ? 1 : 0));
            }
            case DT_INT32, DT_INT64 -> {
                if (!node.isIntegralNumber() || (type == DataType.DT_INT32 && !node.canConvertToInt())
                    || !node.canConvertToLong()) {
                    throw nonValue(alias, at, node, "an integer fitting " + type);
                }
                if (type == DataType.DT_INT32) {
                    out.putInt(node.intValue());
                } else {
                    out.putLong(node.longValue());
                }
            }
            default -> {
                if (!node.isNumber()) {
                    throw nonValue(alias, at, node, "a number");
                }
                if (type == DataType.DT_DOUBLE) {
                    out.putDouble(node.doubleValue());
                } else {
                    out.putFloat(node.floatValue());
                }
            }
        }
    }

    private static ServingException nonValue(String alias, StringBuilder at, JsonNode node, String wanted) {
        return ServingException.invalidArgument("input '" + alias + "' has " + abbreviate(node) + " at " + position(at)
            + " where " + wanted + " was expected");
    }

    private static String position(StringBuilder at) {
        return at.length() == 0 ? "its top level" : at.toString();
    }

    private static String abbreviate(JsonNode node) {
        String text = node.toString();
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }

    /** The nested-list JSON of a tensor. */
    static JsonNode toJson(TensorProto tensor) {
        long[] dims = TensorConversion.dims(tensor.getTensorShape());
        Values values = new Values(tensor);
        return nest(dims, 0, values);
    }

    private static JsonNode nest(long[] dims, int depth, Values values) {
        if (depth == dims.length) {
            return values.next();
        }
        ArrayNode array = JSON.arrayNode();
        for (long i = 0; i < dims[depth]; i++) {
            array.add(nest(dims, depth + 1, values));
        }
        return array;
    }

    /** Reads a TensorProto's values in order, from its typed fields or its tensor_content. */
    private static final class Values {
        private final TensorProto tensor;
        private final ByteBuffer content;
        private int index;

        Values(TensorProto tensor) {
            this.tensor = tensor;
            this.content = tensor.getTensorContent().isEmpty() ? null
                : tensor.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            if (!TensorConversion.supported(tensor.getDtype())) {
                throw ServingException.unimplemented("cannot write a " + tensor.getDtype() + " tensor as JSON");
            }
        }

        JsonNode next() {
            int i = index++;
            return switch (tensor.getDtype()) {
                case DT_FLOAT -> JSON.numberNode(content != null ? content.getFloat() : tensor.getFloatVal(i));
                case DT_DOUBLE -> JSON.numberNode(content != null ? content.getDouble() : tensor.getDoubleVal(i));
                case DT_INT32 -> JSON.numberNode(content != null ? content.getInt() : tensor.getIntVal(i));
                case DT_INT64 -> JSON.numberNode(content != null ? content.getLong() : tensor.getInt64Val(i));
                default -> JSON.booleanNode(content != null ? content.get() != 0 : tensor.getBoolVal(i));
            };
        }
    }
}
