package dev.tffashion.predict;

import java.util.List;

import org.apache.kafka.common.header.Headers;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.contracts.TensorValue;
import dev.tffashion.pipeline.store.ContentStore;

/**
 * A tensor to classify: an {@code imageConvert.tensor} value read through its contract {@link TensorValue}, with its raw float32
 * little-endian bytes ({@link #data()}) that the TF Serving request concatenates as they are.
 */
public record TensorInput(TensorValue tensor) {

    /** The lineage input of a tensor value that names the dropped image. */
    public static final String IMAGE_INPUT = TensorValue.INPUT;

    /** The most values a tensor may have (a 28x28 picture has 784). */
    public static final int MAX_VALUES = TensorValue.MAX_VALUES;

    /** The tensor value's id (the record key). */
    public String tensorId() {
        return tensor.id();
    }

    /** The dropped images it came from (one, or none for a tensor made elsewhere). */
    public List<String> imageIds() {
        return tensor.imageId() == null ? List.of() : List.of(tensor.imageId());
    }

    /** Its dimensions, e.g. {@code [28,28]}. */
    public int[] shape() {
        return tensor.shape();
    }

    /** Its values as float32 little-endian bytes, row-major; do not modify. */
    public byte[] data() {
        return tensor.data();
    }

    /** Its values as floats (a copy: prefer {@link #data()} on the hot path). */
    public float[] values() {
        return tensor.values();
    }

    /** Reads a tensor record without its headers (a JSON annotated value). */
    public static TensorInput parse(String key, byte[] record, ContentStore store) {
        return parse(key, null, record, store);
    }

    /**
     * Reads a tensor record straight from its headers and raw values ({@link TensorValue#fromRecord}: no {@code data:} copy);
     * anything that is not a well-formed tensor value raises {@link RejectedInputException}.
     */
    public static TensorInput parse(String key, Headers headers, byte[] record, ContentStore store) {
        try {
            return new TensorInput(TensorValue.fromRecord(headers, record, store));
        } catch (MalformedValueException e) {
            throw new RejectedInputException("record " + describeKey(key) + " is not an annotated value of a readable tensor ("
                + e.getMessage() + "); tensors are published by imageConvert as raw float32 values with their annotated value in the"
                + " headers", e);
        }
    }

    /** Reads a tensor value, its content verified against its checksum; what is wrong raises {@link RejectedInputException}. */
    public static TensorInput of(AnnotatedValue value, ContentStore store) {
        try {
            return new TensorInput(TensorValue.from(value, store));
        } catch (MalformedValueException e) {
            throw new RejectedInputException(e.getMessage(), e);
        }
    }

    private static String describeKey(String key) {
        return key == null ? "without key" : "'" + (key.length() > 40 ? key.substring(0, 40) + "..." : key) + "'";
    }

    @Override
    public String toString() {
        return "TensorInput[" + tensor.id() + ", shape " + TensorValue.dims(tensor.shape()) + "]";
    }
}
