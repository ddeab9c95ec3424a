package dev.tffashion.pipeline.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.tffashion.pipeline.Json;

class PipelineGraphTest {

    private final PipelineGraph graph = PipelineGraph.load();

    @Test
    void hasTheSixTasksOfTheArchitecture() {
        assertEquals(List.of("scriptInput", "imageInput", "learn", "serve", "imageConvert", "predict"),
                graph.tasks().stream().map(PipelineGraph.Task::name).toList());
    }

    @Test
    void namesTopicsPipelineTaskOutput() {
        assertEquals("tf-fashion.imageInput.droppedFile", graph.topic("imageInput", "droppedFile"));
        assertEquals("tf-fashion.learn.model", graph.inputTopic("serve", "model"));
        assertEquals("tf-fashion.serve.endpoint", graph.inputTopic("predict", "endpoint"));
        assertEquals("tf-fashion.status", graph.statusTopic());
        assertEquals("tf-fashion.predict.dlq", graph.deadLetterTopic("predict"));
        assertEquals("other.learn.model", PipelineGraph.load("other").topic("learn", "model"));
        assertThrows(IllegalArgumentException.class, () -> graph.topic("learn", "nothing"));
    }

    @Test
    void linksCarryTheValueTypes() {
        Map<String, String> types = graph.links().stream()
                .collect(Collectors.toMap(l -> l.fromTask() + "->" + l.toTask(), PipelineGraph.Link::type));
        assertEquals(Map.of("scriptInput->learn", "scriptFile", "learn->serve", "modelFile", "imageInput->imageConvert",
                "imageFile", "imageConvert->predict", "tensor", "serve->predict", "endpoint"), types);
    }

    @Test
    void endpointAndStatusAreCompactedAndEveryConsumerHasADeadLetterTopic() {
        Map<String, PipelineGraph.TopicSpec> topics = graph.topics(3).stream()
                .collect(Collectors.toMap(PipelineGraph.TopicSpec::name, t -> t));
        assertTrue(topics.get("tf-fashion.serve.endpoint").compacted());
        assertTrue(topics.get("tf-fashion.status").compacted());
        assertFalse(topics.get("tf-fashion.imageConvert.tensor").compacted());
        assertEquals(3, topics.get("tf-fashion.imageConvert.tensor").partitions());
        for (String task : List.of("learn", "serve", "imageConvert", "predict")) {
            assertTrue(topics.containsKey("tf-fashion." + task + ".dlq"), task);
        }
        assertFalse(topics.containsKey("tf-fashion.imageInput.dlq"));
    }

    @Test
    void rendersAsJsonForTheUi() throws Exception {
        var node = Json.mapper().readTree(Json.toBytes(graph));
        assertEquals("tf-fashion", node.get("name").asText());
        assertEquals(6, node.get("tasks").size());
        assertEquals("modelFile", node.get("tasks").get(2).get("outputs").get(0).get("type").asText());
        assertEquals(5, node.get("links").size());
    }
}
