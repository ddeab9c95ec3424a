package dev.tffashion.predict.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.predict.Predictions;

/**
 * The channels' topics and group in application.properties are the ones the pipeline graph gives the predict task; the channels
 * run exactly once (one transactional id per replica, offsets committed by the transaction, dead letters written in it); the other
 * client settings are pipeline-quarkus's connector defaults, not repeated here.
 */
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
        assertEquals(graph.name() + "." + Predictions.TASK + ".${tf-fashion.instance}", topic(props, "outgoing", Channels.PREDICTIONS,
            "transactional.id"), "one transactional id per replica");
        assertEquals("ignore", topic(props, "incoming", Channels.TENSORS, "commit-strategy"), "the transaction commits the offsets");
        assertEquals("ignore", topic(props, "incoming", Channels.TENSORS, "failure-strategy"), "dead letters are in the transaction");
        assertEquals(props.getProperty("tf-fashion.pipeline") + "-" + Predictions.TASK, topic(props, "incoming", Channels.TENSORS,
            "group.id"));
        for (String key : List.of("acks", "linger.ms", "enable.idempotence", "fetch.min.bytes", "isolation.level")) {
            assertNull(props.getProperty("mp.messaging.incoming." + Channels.TENSORS + "." + key), key + ": a connector default");
            assertNull(props.getProperty("mp.messaging.outgoing." + Channels.PREDICTIONS + "." + key), key + ": a connector default");
        }
    }

    private static String topic(Properties props, String direction, String channel, String key) {
        return props.getProperty("mp.messaging." + direction + "." + channel + "." + key)
            .replace("${tf-fashion.pipeline}", props.getProperty("tf-fashion.pipeline"));
    }
}
