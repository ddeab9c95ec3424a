package dev.tffashion.modelserver;

import com.google.protobuf.ByteString;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.ByteDataBuffer;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/** Converts between TF Serving's TensorProto and TensorFlow Java tensors (float32, float64, int32, int64, bool, string). */
final class TensorConversion {

    /** Largest tensor accepted in one request, in elements (1 GiB of float32). */
    static final long MAX_ELEMENTS = 1L << 28;

    private TensorConversion() {
    }

    static boolean supported(DataType type) {
        return switch (type) {
            case DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_BOOL, DT_STRING -> true;
            default -> false;
        };
    }

    /** True for the dtypes whose elements have a fixed width (every supported one but DT_STRING). */
    static boolean fixedWidth(DataType type) {
        return supported(type) && type != DataType.DT_STRING;
    }

    static int byteWidth(DataType type) {
        return switch (type) {
            case DT_FLOAT, DT_INT32 -> 4;
            case DT_DOUBLE, DT_INT64 -> 8;
            case DT_BOOL -> 1;
            default -> throw new IllegalArgumentException("no fixed width: " + type);
        };
    }

    private static Class<? extends TType> typeClass(DataType type) {
        return switch (type) {
            case DT_FLOAT -> TFloat32.class;
            case DT_DOUBLE -> TFloat64.class;
            case DT_INT32 -> TInt32.class;
            case DT_INT64 -> TInt64.class;
            case DT_BOOL -> TBool.class;
            case DT_STRING -> TString.class;
            default -> throw new IllegalArgumentException("unsupported: " + type);
        };
    }

    /** The dimensions of a shape, -1 for unknown sizes; null for an unknown rank. */
    static long[] dims(TensorShapeProto shape) {
        if (shape.getUnknownRank()) {
            return null;
        }
        long[] dims = new long[shape.getDimCount()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape.getDim(i).getSize();
        }
        return dims;
    }

    static String shapeString(long[] dims) {
        if (dims == null) {
            return "<unknown rank>";
        }
        return Arrays.stream(dims).mapToObj(Long::toString).collect(Collectors.joining(",", "[", "]"));
    }

    static String shapeString(TensorShapeProto shape) {
        return shapeString(dims(shape));
    }

    static TensorShapeProto shapeProto(long[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        return shape.build();
    }

    /** True when a concrete shape fits a signature shape (same rank; -1 matches any size). */
    static boolean compatible(long[] expected, long[] actual) {
        if (expected == null) {
            return true;
        }
        if (expected.length != actual.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] >= 0 && expected[i] != actual[i]) {
                return false;
            }
        }
        return true;
    }

    static long elementCount(String alias, long[] dims) {
        long n = 1;
        for (long d : dims) {
            if (d < 0) {
                throw ServingException.invalidArgument("input '" + alias + "' has shape " + shapeString(dims)
                    + " with an unknown size: a request tensor needs concrete sizes");
            }
            n = Math.multiplyExact(n, d);
            if (n > MAX_ELEMENTS) {
                throw ServingException.invalidArgument("input '" + alias + "' has shape " + shapeString(dims)
                    + ", more than " + MAX_ELEMENTS + " elements: split the batch");
            }
        }
        return n;
    }

    /** A tensor for a request's TensorProto, whose dtype the caller checked against the signature. */
    static Tensor toTensor(String alias, TensorProto proto) {
        DataType type = proto.getDtype();
        if (!supported(type)) {
            throw ServingException.unimplemented("input '" + alias + "' has dtype " + type
                + "; this server takes DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_BOOL and DT_STRING inputs");
        }
        long[] dims = dims(proto.getTensorShape());
        if (dims == null) {
            throw ServingException.invalidArgument("input '" + alias + "' has an unknown rank: send its tensor_shape");
        }
        long n = elementCount(alias, dims);
        Shape shape = Shape.of(dims);
        if (type == DataType.DT_STRING) {
            if (proto.getStringValCount() != n) {
                throw ServingException.invalidArgument("input '" + alias + "' has shape " + shapeString(dims) + " (" + n
                    + " values) but carries " + proto.getStringValCount() + " string_val values; send exactly one per element");
            }
            byte[][] values = new byte[(int) n][];
            for (int i = 0; i < values.length; i++) {
                values[i] = proto.getStringVal(i).toByteArray();
            }
            return TString.tensorOfBytes(shape, DataBuffers.ofObjects(values));
        }
        if (!proto.getTensorContent().isEmpty()) {
            long expected = n * byteWidth(type);
            if (proto.getTensorContent().size() != expected) {
                throw ServingException.invalidArgument("input '" + alias + "' has tensor_content of "
                    + proto.getTensorContent().size() + " bytes, but shape " + shapeString(dims) + " of " + type
                    + " needs " + expected + " bytes");
            }
            ByteDataBuffer raw = DataBuffers.of(proto.getTensorContent().toByteArray(), true, false);
            return Tensor.of(typeClass(type), shape, raw);
        }
        int count = switch (type) {
            case DT_FLOAT -> proto.getFloatValCount();
            case DT_DOUBLE -> proto.getDoubleValCount();
            case DT_INT32 -> proto.getIntValCount();
            case DT_INT64 -> proto.getInt64ValCount();
            default -> proto.getBoolValCount();
        };
        if (count != n) {
            throw ServingException.invalidArgument("input '" + alias + "' has shape " + shapeString(dims) + " (" + n
                + " values) but carries " + count + " values; send exactly one value per element");
        }
        int size = (int) n;
        switch (type) {
            case DT_FLOAT -> {
                float[] values = new float[size];
                for (int i = 0; i < size; i++) {
                    values[i] = proto.getFloatVal(i);
                }
                return TFloat32.tensorOf(shape, DataBuffers.of(values, true, false));
            }
            case DT_DOUBLE -> {
                double[] values = new double[size];
                for (int i = 0; i < size; i++) {
                    values[i] = proto.getDoubleVal(i);
                }
                return TFloat64.tensorOf(shape, DataBuffers.of(values, true, false));
            }
            case DT_INT32 -> {
                int[] values = new int[size];
                for (int i = 0; i < size; i++) {
                    values[i] = proto.getIntVal(i);
                }
                return TInt32.tensorOf(shape, DataBuffers.of(values, true, false));
            }
            case DT_INT64 -> {
                long[] values = new long[size];
                for (int i = 0; i < size; i++) {
                    values[i] = proto.getInt64Val(i);
                }
                return TInt64.tensorOf(shape, DataBuffers.of(values, true, false));
            }
            default -> {
                boolean[] values = new boolean[size];
                for (int i = 0; i < size; i++) {
                    values[i] = proto.getBoolVal(i);
                }
                return TBool.tensorOf(shape, DataBuffers.of(values, true, false));
            }
        }
    }

    /** The TensorProto of a result tensor, with typed value fields as TF Serving fills them. */
    static TensorProto toProto(String alias, Tensor tensor) {
        DataType type = tensor.dataType();
        if (!supported(type)) {
            throw ServingException.unimplemented("output '" + alias + "' has dtype " + type
                + ", which this server cannot return; filter it out with output_filter");
        }
        long[] dims = tensor.shape().asArray();
        int size = (int) tensor.shape().size();
        TensorProto.Builder proto = TensorProto.newBuilder().setDtype(type).setTensorShape(shapeProto(dims));
        if (type == DataType.DT_STRING) {
            ((TString) tensor).asBytes().scalars().forEach(s -> proto.addStringVal(ByteString.copyFrom(s.getObject())));
            return proto.build();
        }
        ByteDataBuffer data = tensor.asRawTensor().data();
        switch (type) {
            case DT_FLOAT -> {
                float[] values = new float[size];
                data.asFloats().read(values);
                for (float v : values) {
                    proto.addFloatVal(v);
                }
            }
            case DT_DOUBLE -> {
                double[] values = new double[size];
                data.asDoubles().read(values);
                for (double v : values) {
                    proto.addDoubleVal(v);
                }
            }
            case DT_INT32 -> {
                int[] values = new int[size];
                data.asInts().read(values);
                for (int v : values) {
                    proto.addIntVal(v);
                }
            }
            case DT_INT64 -> {
                long[] values = new long[size];
                data.asLongs().read(values);
                for (long v : values) {
                    proto.addInt64Val(v);
                }
            }
            default -> {
                boolean[] values = new boolean[size];
                data.asBooleans().read(values);
                for (boolean v : values) {
                    proto.addBoolVal(v);
                }
            }
        }
        return proto.build();
    }
}
