package dev.tffashion.imageconvert;

import org.apache.kafka.common.header.Headers;

import dev.tffashion.imaging.ImageRejectedException;
import dev.tffashion.imaging.ModelInput;
import dev.tffashion.imaging.Preprocessor;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.contracts.ImageFileValue;
import dev.tffashion.pipeline.contracts.TensorValue;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.quarkus.trace.PipelineTracing;
import dev.tffashion.pipeline.store.ContentIntegrityException;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.ContentStoreException;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;

/**
 * The imageConvert task without Kafka: an {@code imageInput.droppedFile} record in ({@link ImageFileValue}), an
 * {@code imageConvert.tensor} value out ({@link TensorValue}: raw float32 little-endian values, id derived from the image id so a
 * replay gives the same id, with the dropped file's name and the preprocessing notes; no preview: file-drop renders the 28x28
 * PNG from the tensor's values when someone asks for it).
 */
public final class ImageConverter {

    /** The task's name in the pipeline graph. */
    public static final String TASK = TensorValue.TASK;
    /** The task's input (lineage name) and output. */
    public static final String INPUT = TensorValue.INPUT;
    public static final String OUTPUT = TensorValue.OUTPUT;
    /** Annotation copied from the dropped picture. */
    public static final String FILE_NAME = TensorValue.FILE_NAME;

    private final Preprocessor preprocessor;
    private final PipelineTracing tracing;
    private final PipelineGraph graph;
    private final ContentStore store;

    public ImageConverter(Preprocessor preprocessor, PipelineGraph graph, ContentStore store) {
        this(preprocessor, graph, store, PipelineTracing.OFF);
    }

    /**
     * A converter that traces its units of work: a {@code decode} span (the record's value), a {@code read} span (its content) and a
     * {@code preprocess} span (the picture decoded and fitted). They are leaves, children of the record's span: nothing under them
     * makes spans, so none is made current (each makeCurrent and close costs a context switch of Quarkus' context storage).
     */
    public ImageConverter(Preprocessor preprocessor, PipelineGraph graph, ContentStore store, PipelineTracing tracing) {
        this.preprocessor = preprocessor;
        this.tracing = tracing;
        this.graph = graph;
        this.store = store;
        graph.output(TASK, OUTPUT);
    }

    /** Converts one record of the image topic read without its headers (image records are JSON). */
    public AnnotatedValue convert(String key, byte[] record) throws ConversionException {
        return convert(key, null, record);
    }

    /**
     * Converts one record of the image topic.
     *
     * @param key     the record key (the image value id), for messages
     * @param headers the record's headers, or null
     * @param record  the record's bytes, an annotated value of type imageFile
     * @return the tensor value to publish
     * @throws ConversionException when the record or its picture cannot be converted; the message says why
     */
    public AnnotatedValue convert(String key, Headers headers, byte[] record) throws ConversionException {
        String recordName = "record " + (key == null ? "without a key" : key);
        AnnotatedValue value;
        Span span = tracing.start("decode");
        try {
            value = ValueRecords.decode(headers, record);
        } catch (MalformedValueException e) {
            span.setStatus(StatusCode.ERROR, e.getMessage());
            throw new ConversionException(ConversionException.MALFORMED_VALUE, recordName + " is not an annotated value ("
                + e.getMessage() + "); pictures are dropped through file-drop's POST /imageInput", e);
        } finally {
            span.end();
        }
        return convert(value);
    }

    /** Converts one image value. */
    public AnnotatedValue convert(AnnotatedValue value) throws ConversionException {
        ImageFileValue image;
        try {
            image = ImageFileValue.from(value);
        } catch (MalformedValueException e) {
            throw new ConversionException(ConversionException.WRONG_TYPE, e.getMessage(), e);
        }
        String what = image.describe();
        byte[] picture;
        Span read = tracing.start("read");
        try {
            picture = image.bytes(store);
        } catch (ContentIntegrityException e) {
            throw new ConversionException(ConversionException.CONTENT_UNREADABLE, what + ": its content does not match the value ("
                + e.getMessage() + "): it was altered or damaged. Drop the picture again.", e);
        } catch (ContentStoreException e) {
            throw new ConversionException(ConversionException.CONTENT_UNREADABLE, what + ": its content cannot be read ("
                + e.getMessage() + "). The content store (tf-fashion.store.root) must be the folder file-drop writes to.", e);
        } finally {
            read.end();
        }
        ModelInput input;
        Span span = tracing.start("preprocess");
        try {
            input = preprocessor.preprocess(picture);
        } catch (ImageRejectedException e) {
            span.setStatus(StatusCode.ERROR, e.getMessage());
            throw ConversionException.of(e, what);
        } finally {
            span.end();
        }
        return tensorValue(image, input);
    }

    /**
     * The tensor value made from a picture value and the model input the preprocessor made of it: the pixels, the file name and
     * the preprocessing notes (its preview is rendered from the pixels when someone asks for it, by file-drop).
     */
    public AnnotatedValue tensorValue(ImageFileValue image, ModelInput input) {
        return TensorValue.ofImage(graph.name(), image.id(), input.pixels(), new int[] {ModelInput.SIDE, ModelInput.SIDE},
            image.fileName(), input.notes()).toValue(store);
    }
}
