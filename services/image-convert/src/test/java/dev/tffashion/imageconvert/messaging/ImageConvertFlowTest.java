package dev.tffashion.imageconvert.messaging;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tffashion.imageconvert.ImageConverter;
import dev.tffashion.imaging.ModelInput;
import dev.tffashion.imaging.Preprocessor;
import dev.tffashion.imaging.PreprocessorOptions;
import dev.tffashion.imaging.TestImages;
import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.contracts.TensorValue;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.quarkus.task.TaskRunner;
import dev.tffashion.pipeline.kafka.CloudEventHeaders;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.status.TaskState;
import dev.tffashion.pipeline.store.ContentRef;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The service over a real Kafka (kafka-local in this JVM, or Testcontainers when Docker answers): dropped picture values in,
 * tensor values out with their preview; undecodable content and malformed records to the dead-letter topic with the reason,
 * counted as failed on the status topic.
 */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class ImageConvertFlowTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final PipelineGraph GRAPH = PipelineGraph.load("tf-fashion");
    private static final String IMAGES = GRAPH.inputTopic(ImageConverter.TASK, ImageConverter.INPUT);

    private static KafkaProducer<String, byte[]> producer;
    private static TopicReader tensors;
    private static TopicReader deadLetters;
    private static TopicReader statuses;

    @Inject
    ContentStore store;

    @Inject
    Preprocessor preprocessor;

    @BeforeAll
    static void start() {
        String bootstrap = KafkaTestResource.bootstrapServers();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        tensors = new TopicReader(bootstrap, GRAPH.topic(ImageConverter.TASK, ImageConverter.OUTPUT));
        deadLetters = new TopicReader(bootstrap, GRAPH.deadLetterTopic(ImageConverter.TASK));
        statuses = new TopicReader(bootstrap, GRAPH.statusTopic());
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {tensors, deadLetters, statuses, producer}) {
            try {
                if (c != null) c.close();
            } catch (Exception e) {
                System.err.println("closing " + c + ": " + e);
            }
        }
    }

    @Test
    void configuredPreprocessorIsInUse() {
        PreprocessorOptions options = preprocessor.options();
        assertEquals(40_000_000L, options.maxPixels(), "from %test in application.properties");
        assertEquals(PreprocessorOptions.DEFAULT_MAX_DECODE_SIDE, options.maxDecodeSide());
    }

    @Test
    void everySamplePictureBecomesATensorWhosePreviewIsRenderedFromItsPixels() throws Exception {
        for (TestImages.Sample sample : TestImages.samples()) {
            AnnotatedValue image = drop(Files.readAllBytes(sample.path()), sample.path().getFileName().toString(),
                sample.label() % 2 == 0);
            String tensorId = ValueIds.derived(ImageConverter.TASK, ImageConverter.OUTPUT, image.id());
            ConsumerRecord<String, byte[]> record = tensors.await(tensorId, TIMEOUT);
            AnnotatedValue tensor = ValueRecords.decode(record.headers(), record.value());

            assertEquals("tensor", tensor.type());
            assertEquals(ImageConverter.TASK, tensor.task());
            assertEquals(List.of(image.id()), tensor.sourceIds(ImageConverter.INPUT));
            assertEquals(sample.path().getFileName().toString(), tensor.annotation(ImageConverter.FILE_NAME));
            assertEquals(TensorValue.mediaType(28, 28), tensor.mediaType());
            assertEquals(TensorValue.mediaType(28, 28), TopicReader.header(record, CloudEventHeaders.CONTENT_TYPE));
            assertEquals(784 * Float.BYTES, record.value().length, "the record's value is the raw float32 tensor");
            assertEquals(tensorId, TopicReader.header(record, CloudEventHeaders.ID));
            assertEquals("/tf-fashion/imageConvert/tensor", TopicReader.header(record, CloudEventHeaders.SOURCE));
            assertEquals(List.of(image.id()), ValueRecords.envelope(record.headers()).orElseThrow().sourceIds(ImageConverter.INPUT));

            float[] values = TensorValue.from(tensor, store).values();
            assertEquals(null, tensor.annotation(TensorValue.PREVIEW_PNG), "no preview travels on the hot path");
            byte[] preview = TestImages.grayPixels(ModelInput.previewPng(values));
            for (int i = 0; i < 784; i++) assertEquals(Math.round(values[i] * 255f), preview[i] & 0xFF, "preview pixel " + i);
            if (sample.original()) {
                float[] expected = new float[784];
                for (int i = 0; i < 784; i++) expected[i] = (sample.garment()[i] & 0xFF) / 255f;
                assertArrayEquals(expected, values, 0f, sample.path() + " crosses Kafka bit-exact");
            } else {
                assertTrue(TestImages.meanAbsoluteDifference(sample.garment(), values) < 0.10, sample.path().toString());
                assertEquals("true", tensor.annotation("inverted"));
            }
        }
    }

    @Test
    void aSecondCopyOfADroppedPictureIsConvertedOnce() throws Exception {
        byte[] png = Files.readAllBytes(TestImages.samples().get(3).path());
        AnnotatedValue image = drop(png, "stored-twice.png", false);
        String tensorId = ValueIds.derived(ImageConverter.TASK, ImageConverter.OUTPUT, image.id());
        tensors.await(tensorId, TIMEOUT);
        // The same drop stored again under its id (a producer's expired batch, retried with the same Idempotency-Key)
        int partition = send(image.id(), Json.toBytes(image));
        // A picture after the copy on the same partition: once its tensor is out, the copy was read before it
        AnnotatedValue after = imageValue(Contents.store(store, png, "application/octet-stream"), "after-the-copy.png");
        producer.send(new ProducerRecord<>(IMAGES, partition, after.id(), Json.toBytes(after))).get();
        tensors.await(ValueIds.derived(ImageConverter.TASK, ImageConverter.OUTPUT, after.id()), TIMEOUT);
        long copies = tensors.poll().stream().filter(r -> tensorId.equals(r.key())).count();
        assertEquals(1, copies, "the second copy of " + image.id() + " made a second tensor");
    }

    @Test
    void undecodableContentGoesToTheDeadLetterTopicAndCountsAsFailed() throws Exception {
        byte[] png = Files.readAllBytes(TestImages.samples().get(1).path());
        AnnotatedValue truncated = drop(Arrays.copyOf(png, png.length / 2), "cut.jpg", false);
        AnnotatedValue text = drop("not a picture at all".getBytes(StandardCharsets.UTF_8), "notes.txt", false);
        AnnotatedValue svg = drop("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".getBytes(StandardCharsets.UTF_8), "logo.svg", false);
        AnnotatedValue tampered = imageValue(Contents.store(store, png, "image/jpeg"), "tampered.jpg").toBuilder()
            .sha256("0".repeat(64)).build();
        send(tampered.id(), Json.toBytes(tampered));
        AnnotatedValue script = imageValue(Contents.store(store, png, "image/jpeg"), "script.py").toBuilder().type("scriptFile").build();
        send(script.id(), Json.toBytes(script));
        send("garbage-record", "{not json".getBytes(StandardCharsets.UTF_8));
        send("null-record", "null".getBytes(StandardCharsets.UTF_8));

        assertDeadLetter(truncated.id(), "TRUNCATED", "cut short");
        assertDeadLetter(text.id(), "NOT_AN_IMAGE", "not a picture");
        assertDeadLetter(svg.id(), "SVG", "Export it as PNG");
        assertDeadLetter(tampered.id(), "CONTENT_UNREADABLE", "sha256");
        assertDeadLetter(script.id(), "WRONG_TYPE", "scriptFile");
        assertDeadLetter("garbage-record", "MALFORMED_VALUE", "not an annotated value");
        assertDeadLetter("null-record", "MALFORMED_VALUE", "JSON null");

        // Only refusals so far, so the latest status is a failure (a good picture sent earlier could be coalesced over it).
        ConsumerRecord<String, byte[]> record = statuses.await(r -> r.key().startsWith(ImageConverter.TASK + "/")
            && Json.fromBytes(r.value(), StatusEvent.class).counters().getOrDefault(TaskRunner.FAILED, 0L) >= 7, TIMEOUT);
        StatusEvent failed = Json.fromBytes(record.value(), StatusEvent.class);
        assertEquals(TaskState.FAILED, failed.state(), failed.toString());
        assertTrue(failed.reason().startsWith("last record refused ("), failed.reason());
        assertTrue(failed.counters().get(TaskRunner.CONSUMED) >= 6, failed.toString());

        AnnotatedValue after = drop(png, "after-the-bad-ones.png", false);
        tensors.await(ValueIds.derived(ImageConverter.TASK, ImageConverter.OUTPUT, after.id()), TIMEOUT);
    }

    @Test
    void healthAndMetricsAreServed() {
        given().when().get("/q/health/ready").then().statusCode(200);
        given().when().get("/q/metrics").then().statusCode(200).body(containsString("tffashion_imageconvert_work_seconds"));
    }

    private static void assertDeadLetter(String key, String code, String reasonPart) {
        ConsumerRecord<String, byte[]> letter = deadLetters.await(key, TIMEOUT);
        assertEquals(code, TopicReader.header(letter, Channels.DEAD_LETTER_CODE), key);
        String reason = TopicReader.header(letter, "dead-letter-reason");
        assertNotNull(reason, key);
        assertTrue(reason.contains(reasonPart), key + ": " + reason);
    }

    /** Publishes a picture as file-drop does: content inline up to 64 KiB (or in the store when asked), random id. */
    private AnnotatedValue drop(byte[] bytes, String fileName, boolean inStore) {
        String mediaType = "application/octet-stream";
        ContentRef content = inStore ? store.put(bytes, mediaType) : Contents.store(store, bytes, mediaType);
        AnnotatedValue value = imageValue(content, fileName);
        send(value.id(), Json.toBytes(value));
        return value;
    }

    private AnnotatedValue imageValue(ContentRef content, String fileName) {
        return AnnotatedValue.builder().id(ValueIds.random()).pipeline(GRAPH.name()).task("imageInput").output("droppedFile")
            .type("imageFile").content(content).createdAt(Instant.now()).annotation(ImageConverter.FILE_NAME, fileName).build();
    }

    /** Sends and returns the partition the record went to. */
    private static int send(String key, byte[] value) {
        try {
            return producer.send(new ProducerRecord<>(IMAGES, key, value)).get().partition();
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + IMAGES, e);
        }
    }
}
