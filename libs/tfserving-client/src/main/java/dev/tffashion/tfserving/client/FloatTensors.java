package dev.tffashion.tfserving.client;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * The float32 tensor codec: a {@link FloatBatch} becomes a {@code TensorProto} with its bytes as {@code tensor_content}; an output
 * {@code TensorProto} becomes one float row per instance, read from {@code tensor_content} (little-endian, as TF Serving writes it)
 * or from {@code float_val}. Generated types stay package-private.
 */
final class FloatTensors {

    private FloatTensors() {
    }

    static TensorProto encode(FloatBatch batch) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : batch.shape()) {
            shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        return TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape).setTensorContent(batch.content()).build();
    }

    /**
     * One row per instance.
     *
     * @param what the answering model, for messages
     * @throws TfServingException of kind FAILED when the output is not float32 or does not hold {@code instances} rows
     */
    static List<float[]> decode(String what, TensorProto output, int instances) {
        if (output.getDtype() != DataType.DT_FLOAT) {
            throw new TfServingException(TfServingException.Kind.FAILED, what + " answered " + output.getDtype() + " scores; expected "
                + "DT_FLOAT");
        }
        float[] values;
        if (!output.getTensorContent().isEmpty()) {
            FloatBuffer buffer = output.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            values = new float[buffer.remaining()];
            buffer.get(values);
        } else {
            values = new float[output.getFloatValCount()];
            for (int i = 0; i < values.length; i++) {
                values[i] = output.getFloatVal(i);
            }
        }
        long[] dims = dims(output.getTensorShape());
        if (instances < 1 || dims == null || dims.length == 0 || dims[0] != instances || values.length % instances != 0) {
            throw new TfServingException(TfServingException.Kind.FAILED, what + " answered an output of shape "
                + ServingSignature.dims(dims) + " with " + values.length + " values for " + instances + " instances; expected ["
                + instances + ",classes]");
        }
        int width = values.length / instances;
        List<float[]> rows = new ArrayList<>(instances);
        for (int i = 0; i < instances; i++) {
            float[] row = new float[width];
            System.arraycopy(values, i * width, row, 0, width);
            rows.add(row);
        }
        return rows;
    }

    /** The dimensions of a shape, or null for an unknown rank. */
    static long[] dims(TensorShapeProto shape) {
        if (shape.getUnknownRank()) {
            return null;
        }
        return shape.getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray();
    }
}
