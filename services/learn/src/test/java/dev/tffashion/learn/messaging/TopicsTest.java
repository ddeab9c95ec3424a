package dev.tffashion.learn.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tffashion.learn.Learner;
import dev.tffashion.pipeline.graph.PipelineGraph;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The channels' topics in application.properties are the ones the pipeline graph gives the learn task. */
class TopicsTest {

    @Test
    void channelsUseTheGraphsTopics() throws IOException {
        Properties props = new Properties();
        try (InputStream in = TopicsTest.class.getResourceAsStream("/application.properties")) {
            props.load(in);
        }
        PipelineGraph graph = PipelineGraph.load(props.getProperty("tf-fashion.pipeline"));
        assertEquals(graph.inputTopic(Learner.TASK, Learner.INPUT), topic(props, "incoming", Channels.SCRIPTS, "topic"));
        assertEquals(graph.topic(Learner.TASK, Learner.OUTPUT), topic(props, "outgoing", Channels.MODELS, "topic"));
        assertEquals(graph.deadLetterTopic(Learner.TASK), topic(props, "incoming", Channels.SCRIPTS, "dead-letter-queue.topic"));
        assertEquals(props.getProperty("tf-fashion.pipeline") + "-" + Learner.TASK, topic(props, "incoming", Channels.SCRIPTS,
            "group.id"));
        assertNull(props.getProperty("mp.messaging.outgoing." + Channels.MODELS + ".acks"), "acks=all is a connector default");
        assertEquals("1", props.getProperty("mp.messaging.incoming." + Channels.SCRIPTS + ".max.poll.records"));
        assertEquals("1", props.getProperty("smallrye.messaging.worker.learn.max-concurrency"));
    }

    private static String topic(Properties props, String direction, String channel, String key) {
        return props.getProperty("mp.messaging." + direction + "." + channel + "." + key)
            .replace("${tf-fashion.pipeline}", props.getProperty("tf-fashion.pipeline"));
    }
}
