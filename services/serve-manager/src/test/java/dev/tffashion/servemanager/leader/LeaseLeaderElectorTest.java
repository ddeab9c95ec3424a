package dev.tffashion.servemanager.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;

/**
 * The Lease election through fabric8's {@code LeaderElector} against the mock API server in CRUD mode: one of two replicas holds
 * the Lease; when it closes it releases the Lease and the other takes it.
 */
@EnableKubernetesMockClient(crud = true)
class LeaseLeaderElectorTest {

    static KubernetesClient client;

    /** Counts leadership changes. */
    private static final class Recorder implements LeadershipListener {
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger stopped = new AtomicInteger();

        @Override
        public void started() {
            started.incrementAndGet();
        }

        @Override
        public void stopped() {
            stopped.incrementAndGet();
        }
    }

    private static LeaseLeaderElector elector(String identity, Recorder recorder) {
        return new LeaseLeaderElector(client, "test", "serve-manager-leader", identity, Duration.ofSeconds(4), Duration.ofSeconds(3),
                Duration.ofMillis(200), recorder);
    }

    @Test
    void oneReplicaHoldsTheLeaseAndTheOtherTakesItWhenItIsReleased() {
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        LeaseLeaderElector a = elector("pod-a", first);
        LeaseLeaderElector b = elector("pod-b", second);
        try {
            a.start();
            await().atMost(Duration.ofSeconds(20)).until(a::leading);
            b.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> "pod-a".equals(b.leader()));
            assertThat(b.leading()).isFalse();
            Lease lease = client.leases().inNamespace("test").withName("serve-manager-leader").get();
            assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("pod-a");

            a.close();
            await().atMost(Duration.ofSeconds(15)).until(b::leading);
            assertThat(second.started).hasValue(1);
            assertThat(first.stopped).as("closing is not reported as a loss").hasValue(0);
            await().atMost(Duration.ofSeconds(5)).until(() -> "pod-b".equals(client.leases().inNamespace("test")
                    .withName("serve-manager-leader").get().getSpec().getHolderIdentity()));
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void timingsThatCannotWorkAreRefusedWithWhatToChange() {
        assertThatThrownBy(() -> new LeaseLeaderElector(client, "test", "x", "pod", Duration.ofSeconds(5), Duration.ofSeconds(6),
                Duration.ofSeconds(1), new Recorder())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be longer than the renew deadline");
    }
}
