package dev.tffashion.servemanager.leader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;

/**
 * The test Kafka plus another serve-manager replica that leads before the service under test starts: an {@link ElectorProcess}
 * in the same group as the service's Kafka election ({@code tf-fashion-serve-manager-leader} on
 * {@code tf-fashion.serve-manager.leader}). The test kills it with {@code kill -9} through {@link #rival()}.
 */
public class RivalLeaderResource extends KafkaTestResource {

    /** The lock topic of pipeline {@code tf-fashion}. */
    public static final String TOPIC = "tf-fashion.serve-manager.leader";
    /** The election's consumer group of pipeline {@code tf-fashion}. */
    public static final String GROUP = "tf-fashion-serve-manager-leader";

    private static volatile ElectorProcess.Running rival;

    /** The rival leader's process. */
    public static ElectorProcess.Running rival() {
        return rival;
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = super.start();
        try {
            rival = ElectorProcess.start(config.get("kafka.bootstrap.servers"), TOPIC, GROUP, "rival");
            rival.leading().get(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the rival leader did not lead within 60 s: " + (rival == null ? "" : rival.output()), e);
        }
        return config;
    }

    @Override
    public void stop() {
        if (rival != null) {
            rival.process().destroyForcibly();
        }
        super.stop();
    }
}
