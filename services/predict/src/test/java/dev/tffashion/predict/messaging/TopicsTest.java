package dev.tffashion.predict.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.predict.Predictions;

/** The channels' topics in application.properties are the ones the pipeline graph gives the predict task. */
class TopicsTest {

    @Test
    void channelsUseTheGraphsTopics() throws IOException {
        Properties props = new Properties();
        try (InputStream in = TopicsTest.class.getResourceAsStream("/application.properties")) {
            props.load(in);
        }
        PipelineGraph graph = PipelineGraph.load(props.getProperty("tf-fashion.pipeline"));
        assertEquals(graph.inputTopic(Predictions.TASK, Predictions.TENSOR_INPUT), topic(props, "incoming", Channels.TENSORS, "topic"));
        assertEquals(graph.topic(Predictions.TASK, Predictions.OUTPUT), topic(props, "outgoing", Channels.PREDICTIONS, "topic"));
        assertEquals(graph.deadLetterTopic(Predictions.TASK), topic(props, "incoming", Channels.TENSORS, "dead-letter-queue.topic"));
        assertEquals("all", props.getProperty("mp.messaging.outgoing." + Channels.PREDICTIONS + ".acks"));
        assertEquals("0", props.getProperty("mp.messaging.outgoing." + Channels.PREDICTIONS + ".linger.ms"));
        assertEquals("all", props.getProperty("mp.messaging.incoming." + Channels.TENSORS + ".dead-letter-queue.acks"));
    }

    private static String topic(Properties props, String direction, String channel, String key) {
        return props.getProperty("mp.messaging." + direction + "." + channel + "." + key)
            .replace("${tf-fashion.pipeline}", props.getProperty("tf-fashion.pipeline"));
    }
}
