package dev.tffashion.imageconvert.messaging;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * The {@code images} channel's rebalance listener ({@code consumer-rebalance-listener.name} in application.properties): when the
 * consumer is assigned partitions of the dropped pictures, their positions go to {@link ImageConsumer#assigned}, which starts
 * reading back the window of repeated keys in the background, before the first picture of each arrives.
 */
@ApplicationScoped
@Identifier(ImagesAssigned.NAME)
public class ImagesAssigned implements KafkaConsumerRebalanceListener {

    /** The listener's name in the channel's configuration. */
    public static final String NAME = "image-convert-images-assigned";

    private static final Logger LOG = Logger.getLogger(ImagesAssigned.class);

    @Inject
    ImageConsumer images;

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> positions = new HashMap<>();
        try {
            for (TopicPartition tp : partitions) {
                positions.put(tp, consumer.position(tp));
            }
        } catch (RuntimeException e) {
            // The first record of each partition reads its window back itself, as without this listener
            LOG.infof("positions of %s not known at assignment (%s): their repeated keys are read back with their first records",
                partitions, e.getMessage());
            return;
        }
        images.assigned(positions);
    }
}
