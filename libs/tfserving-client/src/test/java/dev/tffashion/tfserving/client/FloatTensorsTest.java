package dev.tffashion.tfserving.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/** The float32 codec: raw little-endian rows and float rows give the same tensor; outputs read from either encoding. */
class FloatTensorsTest {

    @Test
    void rawRowsAreConcatenatedIntoTensorContentAsTheFloatPathWritesThem() {
        float[] first = {0f, 0.25f, 1f, -2.5f, 3.5f, Float.MIN_VALUE};
        float[] second = {7f, 8f, 9f, 10f, 11f, 12f};
        TensorProto fromRaw = FloatTensors.encode(FloatBatch.ofRawRows(new long[] {2, 3}, List.of(raw(first), raw(second))));
        TensorProto fromFloats = FloatTensors.encode(FloatBatch.ofRows(new long[] {2, 3}, List.of(first, second)));
        assertEquals(fromFloats, fromRaw);
        assertEquals(DataType.DT_FLOAT, fromRaw.getDtype());
        assertEquals(List.of(2L, 2L, 3L), fromRaw.getTensorShape().getDimList().stream().map(TensorShapeProto.Dim::getSize).toList());
        assertArrayEquals(concat(raw(first), raw(second)), fromRaw.getTensorContent().toByteArray());
        assertEquals(0, fromRaw.getFloatValCount());
        assertEquals(fromFloats, FloatTensors.encode(FloatBatch.of(new long[] {2, 2, 3}, concat(first, second))));
    }

    @Test
    void rowsOfTheWrongLengthAreRefusedWithTheirIndex() {
        var bad = assertThrows(IllegalArgumentException.class,
            () -> FloatBatch.ofRawRows(new long[] {28, 28}, List.of(new byte[784 * 4], new byte[784 * 4 - 1])));
        assertTrue(bad.getMessage().contains("row 1 has 3135 bytes") && bad.getMessage().contains("3136"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FloatBatch.ofRows(new long[] {784}, List.of(new float[783])));
        assertThrows(IllegalArgumentException.class, () -> FloatBatch.ofRows(new long[] {-1, 28}, List.of(new float[28])));
        assertThrows(IllegalArgumentException.class, () -> FloatBatch.of(new long[] {2, 3}, new float[5]));
    }

    @Test
    void decodesOutputsFromTensorContentOrFloatVal() {
        float[] values = {0.1f, 0.9f, 0.6f, 0.4f, 0.5f, 0.5f};
        TensorShapeProto shape = shape(3, 2);
        TensorProto content = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape)
            .setTensorContent(com.google.protobuf.ByteString.copyFrom(raw(values))).build();
        TensorProto.Builder floatVal = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape);
        for (float v : values) {
            floatVal.addFloatVal(v);
        }
        for (TensorProto output : List.of(content, floatVal.build())) {
            List<float[]> rows = FloatTensors.decode("m", output, 3);
            assertEquals(3, rows.size());
            assertArrayEquals(new float[] {0.6f, 0.4f}, rows.get(1));
        }
    }

    @Test
    void refusesOutputsThatAreNotOneFloatRowPerInstance() {
        TensorProto doubles = TensorProto.newBuilder().setDtype(DataType.DT_DOUBLE).setTensorShape(shape(1, 2)).addDoubleVal(1)
            .addDoubleVal(2).build();
        var wrongType = assertThrows(TfServingException.class, () -> FloatTensors.decode("m", doubles, 1));
        assertEquals(TfServingException.Kind.FAILED, wrongType.kind());
        TensorProto twoRows = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape(2, 1)).addFloatVal(1)
            .addFloatVal(2).build();
        var wrongCount = assertThrows(TfServingException.class, () -> FloatTensors.decode("m", twoRows, 3));
        assertTrue(wrongCount.getMessage().contains("for 3 instances"), wrongCount.getMessage());
    }

    private static TensorShapeProto shape(long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        return shape.build();
    }

    private static byte[] raw(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            bytes.putFloat(v);
        }
        return bytes.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] all = new float[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
