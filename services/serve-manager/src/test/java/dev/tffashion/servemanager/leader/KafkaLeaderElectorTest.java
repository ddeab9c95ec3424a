package dev.tffashion.servemanager.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;

/**
 * The Kafka leader election on a real broker: of two electors exactly one leads; when the leader closes, or when its process is
 * killed with {@code kill -9}, the other leads within 15 s. The takeover time after a kill is measured and printed.
 */
class KafkaLeaderElectorTest {

    private static final Duration TAKEOVER_LIMIT = Duration.ofSeconds(15);

    private static KafkaTestResource kafka;
    private static String bootstrap;

    @BeforeAll
    static void startKafka() {
        kafka = new KafkaTestResource();
        kafka.init(Map.of());
        bootstrap = kafka.start().get("kafka.bootstrap.servers");
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.stop();
        }
    }

    /** Counts leadership changes and notes when the last one came. */
    private static final class Recorder implements LeadershipListener {
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger stopped = new AtomicInteger();
        final AtomicLong startedAt = new AtomicLong();

        @Override
        public void started() {
            startedAt.set(System.nanoTime());
            started.incrementAndGet();
        }

        @Override
        public void stopped() {
            stopped.incrementAndGet();
        }
    }

    private static KafkaLeaderElector elector(String topic, String identity, Recorder recorder) {
        return new KafkaLeaderElector(Map.of("bootstrap.servers", bootstrap), topic, topic + "-group", identity, Duration.ofSeconds(6),
                (short) 1, recorder);
    }

    @Test
    void oneOfTwoLeadsAndTheOtherTakesOverWhenTheLeaderCloses() {
        String topic = "election-close";
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        KafkaLeaderElector a = elector(topic, "a", first);
        KafkaLeaderElector b = elector(topic, "b", second);
        try {
            a.start();
            await().atMost(Duration.ofSeconds(30)).until(a::leading);
            b.start();
            awaitMembers(topic + "-group", 2);
            assertThat(a.leading()).as("the first leader keeps the leadership when a standby joins").isTrue();
            assertThat(b.leading()).isFalse();
            assertThat(second.started).hasValue(0);

            long closed = System.nanoTime();
            a.close();
            await().atMost(TAKEOVER_LIMIT).until(b::leading);
            await().atMost(Duration.ofSeconds(5)).until(() -> second.started.get() == 1);
            System.out.printf("leader closed: the standby led %d ms later%n",
                    TimeUnit.NANOSECONDS.toMillis(second.startedAt.get() - closed));
            assertThat(first.stopped).as("closing is not reported as a loss").hasValue(0);
            assertThat(first.started).hasValue(1);
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void aStandbyLeadsWithin15SecondsOfTheLeadersKill9() throws Exception {
        String topic = "election-kill";
        ElectorProcess.Running leader = ElectorProcess.start(bootstrap, topic, topic + "-group", "killed");
        Recorder recorder = new Recorder();
        KafkaLeaderElector standby = elector(topic, "standby", recorder);
        try {
            leader.leading().get(60, TimeUnit.SECONDS);
            standby.start();
            awaitMembers(topic + "-group", 2);
            assertThat(standby.leading()).as("a standby does not lead while the leader lives").isFalse();

            long killed = System.nanoTime();
            leader.kill();
            await().atMost(TAKEOVER_LIMIT).pollInterval(Duration.ofMillis(20)).until(standby::leading);
            // the elector flags leadership on its consumer thread and tells the listener on its notifier thread, just after
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> recorder.started.get() > 0);
            long millis = TimeUnit.NANOSECONDS.toMillis(recorder.startedAt.get() - killed);
            System.out.printf("MEASURED kill -9 of the leader's process to the standby leading: %d ms%n", millis);
            assertThat(millis).isLessThan(TAKEOVER_LIMIT.toMillis());
            assertThat(recorder.started).hasValue(1);
        } finally {
            leader.process().destroyForcibly();
            standby.close();
        }
    }

    private static void awaitMembers(String group, int members) {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                var description = admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group);
                return description.members().size() == members && "STABLE".equals(description.groupState().name());
            });
        }
    }
}
