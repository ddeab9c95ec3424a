package dev.tffashion.imageconvert.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tffashion.imageconvert.ImageConverter;
import dev.tffashion.pipeline.graph.PipelineGraph;
import java.io.InputStream;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The channels' topics in application.properties are the ones the pipeline graph gives the imageConvert task, and the channels run
 * exactly once: one transactional id per replica, offsets committed by the transaction, dead letters written by the runtime.
 */
class TopicsTest {

    @Test
    void channelTopicsFollowThePipelineGraph() throws Exception {
        Properties props = new Properties();
        try (InputStream in = TopicsTest.class.getResourceAsStream("/application.properties")) {
            props.load(in);
        }
        String pipeline = props.getProperty("tf-fashion.pipeline");
        PipelineGraph graph = PipelineGraph.load(pipeline);
        String prefix = "mp.messaging.";
        assertEquals(graph.inputTopic(ImageConverter.TASK, ImageConverter.INPUT),
            resolve(props, prefix + "incoming." + Channels.IMAGES + ".topic", pipeline));
        assertEquals(pipeline + "." + ImageConverter.TASK + ".${tf-fashion.instance}",
            resolve(props, prefix + "outgoing." + Channels.TENSORS + ".transactional.id", pipeline));
        assertEquals("ignore", props.getProperty(prefix + "incoming." + Channels.IMAGES + ".commit-strategy"));
        assertEquals("ignore", props.getProperty(prefix + "incoming." + Channels.IMAGES + ".failure-strategy"));
        assertEquals(graph.topic(ImageConverter.TASK, ImageConverter.OUTPUT),
            resolve(props, prefix + "outgoing." + Channels.TENSORS + ".topic", pipeline));
    }

    private static String resolve(Properties props, String key, String pipeline) {
        return props.getProperty(key).replace("${tf-fashion.pipeline}", pipeline);
    }
}
