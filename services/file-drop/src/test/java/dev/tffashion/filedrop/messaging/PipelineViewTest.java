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

/** The index's parts: links by lineage, bounds, Idempotency-Keys and dead letters. */
class PipelineViewTest {

    @Test
    void findsThePredictionOfAnImageThroughThePredictionsOwnLineageWithoutTheTensor() {
        PipelineView view = new PipelineView(10);
        view.add(value("img-1", "imageInput", "imageFile"));
        view.add(value("pred-1", "predict", "prediction").toBuilder().sourceInput("tensor", "tensor-1")
            .sourceInput("image", "img-1").build());

        assertEquals("pred-1", view.predictionOfImage("img-1").orElseThrow().id());
        assertTrue(view.tensorOfImage("img-1").isEmpty());
    }

    @Test
    void keepsTheFirstPredictionOfAnImageAndTheLatestTensor() {
        PipelineView view = new PipelineView(10);
        view.add(value("t-1", "imageConvert", "tensor").toBuilder().sourceInput("image", "img-1").build());
        view.add(value("t-2", "imageConvert", "tensor").toBuilder().sourceInput("image", "img-1").build());
        view.add(value("p-1", "predict", "prediction").toBuilder().sourceInput("image", "img-1").build());
        view.add(value("p-2", "predict", "prediction").toBuilder().sourceInput("image", "img-1").build());

        assertEquals("t-2", view.tensorOfImage("img-1").orElseThrow().id());
        assertEquals("p-1", view.predictionOfImage("img-1").orElseThrow().id());
    }

    @Test
    void aValueReadAgainIsNotNewAndTheOldestGoesWhenFullWithItsLinks() {
        PipelineView view = new PipelineView(2);
        AnnotatedValue prediction = value("p-1", "predict", "prediction").toBuilder().sourceInput("image", "img-1").build();
        assertTrue(view.add(prediction).isNew());
        assertFalse(view.add(prediction).isNew());
        view.add(value("a", "imageInput", "imageFile"));

        PipelineView.Added added = view.add(value("b", "imageInput", "imageFile"));

        assertEquals("p-1", added.evicted().id());
        assertTrue(view.predictionOfImage("img-1").isEmpty());
        assertEquals(List.of("b", "a"), view.recent(null, 10).stream().map(AnnotatedValue::id).toList());
        assertEquals(List.of("b"), view.recent("imageInput", 1).stream().map(AnnotatedValue::id).toList());
    }

    @Test
    void countsEveryDistinctValuePerTaskOutputEvenOnesTheBoundPushedOut() {
        PipelineView view = new PipelineView(2);
        view.add(value("a", "imageInput", "imageFile"));
        view.add(value("a", "imageInput", "imageFile"));
        view.add(value("b", "imageInput", "imageFile"));
        view.add(value("t", "imageConvert", "tensor").toBuilder().output("tensor").build());

        assertEquals(2, view.size());
        assertEquals(Map.of("imageInput", Map.of("out", 2L), "imageConvert", Map.of("tensor", 1L)), view.counts());
    }

    @Test
    void idempotencyKeysAreTaskScopedFirstWinsAndForgottenWithTheirValue() {
        IdempotencyKeys keys = new IdempotencyKeys();
        AnnotatedValue first = value("d-1", "imageInput", "imageFile").toBuilder().annotation("idempotencyKey", "k").build();
        keys.add(first);
        keys.add(value("d-2", "imageInput", "imageFile").toBuilder().annotation("idempotencyKey", "k").build());

        assertEquals("d-1", keys.idOf("imageInput/k").orElseThrow());
        assertTrue(keys.idOf("scriptInput/k").isEmpty());
        keys.forget(first);
        assertTrue(keys.idOf("imageInput/k").isEmpty());
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
        assertThrows(IllegalArgumentException.class, () -> new PipelineView(0));
    }

    private static AnnotatedValue value(String id, String task, String type) {
        return AnnotatedValue.builder().id(id).pipeline("tf-fashion").task(task).output("out").type(type)
            .data("data:application/json;base64,e30=").mediaType("application/json").size(2).sha256("00")
            .createdAt(Instant.parse("2024-01-02T03:04:05Z")).build();
    }
}
