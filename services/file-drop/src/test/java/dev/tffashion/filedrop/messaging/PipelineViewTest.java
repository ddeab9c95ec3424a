package dev.tffashion.filedrop.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.kafka.ValueEnvelope;
import dev.tffashion.pipeline.quarkus.follow.FollowedRecord;

/** The index's parts: links by lineage, bounds, records kept in memory and dead letters. */
class PipelineViewTest {

    @Test
    void findsThePredictionOfAnImageThroughThePredictionsOwnLineageWithoutTheTensor() {
        PipelineView view = new PipelineView(10, 10);
        view.add(added(value("img-1", "imageInput", "imageFile")));
        view.add(added(value("pred-1", "predict", "prediction").toBuilder().sourceInput("tensor", "tensor-1")
            .sourceInput("image", "img-1").build()));

        assertEquals("pred-1", view.predictionOfImage("img-1").orElseThrow().id());
        assertTrue(view.tensorOfImage("img-1").isEmpty());
    }

    @Test
    void keepsTheFirstPredictionOfAnImageAndTheLatestTensor() {
        PipelineView view = new PipelineView(10, 10);
        view.add(added(value("t-1", "imageConvert", "tensor").toBuilder().sourceInput("image", "img-1").build()));
        view.add(added(value("t-2", "imageConvert", "tensor").toBuilder().sourceInput("image", "img-1").build()));
        view.add(added(value("p-1", "predict", "prediction").toBuilder().sourceInput("image", "img-1").build()));
        view.add(added(value("p-2", "predict", "prediction").toBuilder().sourceInput("image", "img-1").build()));

        assertEquals("t-2", view.tensorOfImage("img-1").orElseThrow().id());
        assertEquals("p-1", view.predictionOfImage("img-1").orElseThrow().id());
    }

    @Test
    void aValueReadAgainIsNotNewAndTheOldestGoesWhenFullWithItsLinks() {
        PipelineView view = new PipelineView(2, 2);
        AnnotatedValue prediction = value("p-1", "predict", "prediction").toBuilder().sourceInput("image", "img-1").build();
        assertTrue(view.add(added(prediction)).isNew());
        assertFalse(view.add(added(prediction)).isNew());
        view.add(added(value("a", "imageInput", "imageFile")));

        PipelineView.Added added = view.add(added(value("b", "imageInput", "imageFile")));

        assertEquals("p-1", added.evicted().id());
        assertTrue(view.predictionOfImage("img-1").isEmpty());
        assertEquals(List.of("b", "a"), view.recent(null, 10).stream().map(IndexedValue::id).toList());
        assertEquals(List.of("b"), view.recent("imageInput", 1).stream().map(IndexedValue::id).toList());
    }

    @Test
    void countsEveryDistinctValuePerTaskOutputEvenOnesTheBoundPushedOut() {
        PipelineView view = new PipelineView(2, 2);
        view.add(added(value("a", "imageInput", "imageFile")));
        view.add(added(value("a", "imageInput", "imageFile")));
        view.add(added(value("b", "imageInput", "imageFile")));
        view.add(added(value("t", "imageConvert", "tensor").toBuilder().output("tensor").build()));

        assertEquals(2, view.size());
        assertEquals(Map.of("imageInput", Map.of("out", 2L), "imageConvert", Map.of("tensor", 1L)), view.counts());
    }

    @Test
    void onlyTheMostRecentRecordsKeepTheirBytesAndADropLearnsItsPositionWhenReadBack() {
        PipelineView view = new PipelineView(10, 2);
        AnnotatedValue dropped = value("d-1", "imageInput", "imageFile");
        IndexedValue inHand = IndexedValue.added(dropped);
        view.add(inHand);
        assertFalse(inHand.hasPosition());
        assertEquals(dropped, inHand.value());

        assertFalse(view.add(read(dropped, 7)).isNew());
        assertTrue(inHand.hasPosition());
        assertEquals(7, inHand.offset());
        assertNull(inHand.value(), "the value in hand is let go once Kafka has it");
        assertEquals(7, inHand.record().offset());

        view.add(read(value("a", "imageInput", "imageFile"), 8));
        view.add(read(value("b", "imageInput", "imageFile"), 9));
        assertNull(inHand.record(), "the oldest record beyond the bound lets its bytes go");
        assertEquals(9, view.get("b").orElseThrow().record().offset());
    }

    @Test
    void deadLettersCarryTheReasonAndTopicFromTheirHeaders() {
        DeadLetters letters = new DeadLetters();
        RecordHeaders headers = new RecordHeaders();
        headers.add("dead-letter-reason", "not a picture".getBytes(StandardCharsets.UTF_8));
        headers.add("dead-letter-topic", "tf-fashion.imageInput.droppedFile".getBytes(StandardCharsets.UTF_8));

        DeadLetters.DeadLetter letter = letters.add("imageConvert", "img-9", headers, 1_700_000_000_000L);

        assertEquals("imageConvert", letter.task());
        assertEquals("not a picture", letter.reason());
        assertEquals("tf-fashion.imageInput.droppedFile", letter.topic());
        assertEquals(letter, letters.of("img-9").orElseThrow());
        assertNull(letters.add("predict", null, new RecordHeaders(), 0).reason());
        assertEquals(1, letters.size());
    }

    @Test
    void refusesAViewWithoutRoom() {
        assertThrows(IllegalArgumentException.class, () -> new PipelineView(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new PipelineView(1, -1));
    }

    private static IndexedValue added(AnnotatedValue value) {
        return IndexedValue.added(value);
    }

    private static IndexedValue read(AnnotatedValue value, long offset) {
        return IndexedValue.read(ValueEnvelope.of(value), new FollowedRecord("tf-fashion.imageInput.droppedFile", 0, offset, 0L,
            value.id(), new RecordHeaders(), new byte[0]));
    }

    private static AnnotatedValue value(String id, String task, String type) {
        return AnnotatedValue.builder().id(id).pipeline("tf-fashion").task(task).output("out").type(type)
            .data("data:application/json;base64,e30=").mediaType("application/json").size(2).sha256("00")
            .createdAt(Instant.parse("2024-01-02T03:04:05Z")).build();
    }
}
