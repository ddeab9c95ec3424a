package dev.tffashion.tfserving.client;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

/**
 * The float32 tensor of one Predict request: {@code n} instances of the same dimensions, held as little-endian bytes, ready to be
 * TensorProto's {@code tensor_content}. Rows that already are raw float32 little-endian bytes (the pipeline's tensor wire format)
 * are concatenated without copying or converting a float; float arrays are written once into one buffer.
 */
public final class FloatBatch {

    private final long[] shape;
    private final ByteString content;

    private FloatBatch(long[] shape, ByteString content) {
        this.shape = shape;
        this.content = content;
    }

    /**
     * A batch of rows given as raw float32 little-endian bytes, each {@code product(rowDims) * 4} bytes long. The arrays are
     * wrapped, not copied: do not change them while the request is in flight.
     *
     * @throws IllegalArgumentException naming the first row whose length does not fit the dimensions
     */
    public static FloatBatch ofRawRows(long[] rowDims, List<byte[]> rows) {
        long values = values(rowDims);
        List<ByteString> parts = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            byte[] row = rows.get(i);
            if (row.length != values * Float.BYTES) {
                throw new IllegalArgumentException("row " + i + " has " + row.length + " bytes; " + ServingSignature.dims(rowDims)
                    + " float32 values need " + values * Float.BYTES + " (little-endian, 4 bytes per value)");
            }
            parts.add(UnsafeByteOperations.unsafeWrap(row));
        }
        return new FloatBatch(batchShape(rows.size(), rowDims), ByteString.copyFrom(parts));
    }

    /**
     * A batch of rows given as float arrays, each {@code product(rowDims)} values long.
     *
     * @throws IllegalArgumentException naming the first row whose length does not fit the dimensions
     */
    public static FloatBatch ofRows(long[] rowDims, List<float[]> rows) {
        long values = values(rowDims);
        ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(values * rows.size() * Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer view = bytes.asFloatBuffer();
        for (int i = 0; i < rows.size(); i++) {
            float[] row = rows.get(i);
            if (row.length != values) {
                throw new IllegalArgumentException("row " + i + " has " + row.length + " values; " + ServingSignature.dims(rowDims)
                    + " needs " + values);
            }
            view.put(row);
        }
        return new FloatBatch(batchShape(rows.size(), rowDims), UnsafeByteOperations.unsafeWrap(bytes.array()));
    }

    /**
     * A batch given as one flat array in row-major order and its full shape, the first dimension being the number of instances.
     *
     * @throws IllegalArgumentException when the values do not fill the shape
     */
    public static FloatBatch of(long[] shape, float[] values) {
        if (shape.length == 0 || shape[0] < 0) {
            throw new IllegalArgumentException("shape " + ServingSignature.dims(shape) + " must start with the number of instances");
        }
        if (values(shape) != values.length) {
            throw new IllegalArgumentException(values.length + " values do not fill shape " + ServingSignature.dims(shape));
        }
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return new FloatBatch(shape.clone(), UnsafeByteOperations.unsafeWrap(bytes.array()));
    }

    /** The number of instances (the first dimension). */
    public int instances() {
        return (int) shape[0];
    }

    /** The full shape, the number of instances first. */
    public long[] shape() {
        return shape.clone();
    }

    ByteString content() {
        return content;
    }

    private static long[] batchShape(int n, long[] rowDims) {
        long[] shape = new long[rowDims.length + 1];
        shape[0] = n;
        System.arraycopy(rowDims, 0, shape, 1, rowDims.length);
        return shape;
    }

    private static long values(long[] dims) {
        long values = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("dimensions " + ServingSignature.dims(dims) + " must all be known (no -1)");
            }
            values = Math.multiplyExact(values, d);
        }
        return values;
    }

    @Override
    public String toString() {
        return "FloatBatch" + Arrays.toString(shape);
    }
}
