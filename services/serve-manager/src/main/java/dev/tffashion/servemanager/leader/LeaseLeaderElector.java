package dev.tffashion.servemanager.leader;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;

/**
 * Leader election on Kubernetes: a {@code coordination.k8s.io/v1} Lease held through fabric8's {@code LeaderElector}. The holder
 * renews it every retry period; a standby takes it once it has not been renewed for the lease duration (a killed leader), or at
 * once when the leader releases it on close. The Role needs {@code leases} get, create and update in the namespace, nothing more.
 */
public final class LeaseLeaderElector implements LeaderElector {

    private static final Logger LOG = Logger.getLogger(LeaseLeaderElector.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final String identity;
    private final Duration leaseDuration;
    private final Duration renewDeadline;
    private final Duration retryPeriod;
    private final LeadershipListener listener;
    private final ExecutorService notifier;

    private volatile boolean leading;
    private volatile boolean closing;
    private volatile String leader;
    private CompletableFuture<?> running;

    public LeaseLeaderElector(KubernetesClient client, String namespace, String name, String identity, Duration leaseDuration,
            Duration renewDeadline, Duration retryPeriod, LeadershipListener listener) {
        if (!(leaseDuration.compareTo(renewDeadline) > 0 && renewDeadline.compareTo(retryPeriod) > 0 && !retryPeriod.isZero()
                && !retryPeriod.isNegative())) {
            throw new IllegalArgumentException("serving.leader: the lease duration (" + leaseDuration + ") must be longer than the "
                    + "renew deadline (" + renewDeadline + "), itself longer than the retry period (" + retryPeriod + "), above 0");
        }
        this.client = client;
        this.namespace = namespace;
        this.name = name;
        this.identity = identity;
        this.leaseDuration = leaseDuration;
        this.renewDeadline = renewDeadline;
        this.retryPeriod = retryPeriod;
        this.listener = listener;
        this.notifier = LeaderElector.notifier(identity);
    }

    @Override
    public synchronized void start() {
        if (running != null) {
            return;
        }
        LeaderElectionConfig config = new LeaderElectionConfigBuilder()
                .withName("serve-manager")
                .withLock(new LeaseLock(namespace, name, identity))
                .withLeaseDuration(leaseDuration)
                .withRenewDeadline(renewDeadline)
                .withRetryPeriod(retryPeriod)
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(this::startedLeading, this::stoppedLeading, this::newLeader))
                .build();
        LOG.infof("%s: competing for the leadership (%s)", identity, describe());
        running = client.leaderElector().withConfig(config).build().start();
        running.whenComplete((ok, error) -> {
            if (error != null && !closing && !(error instanceof java.util.concurrent.CancellationException)) {
                LOG.errorf("%s: the Lease election ended: %s", identity, error.getMessage());
            }
        });
    }

    private void startedLeading() {
        if (closing) {
            return;
        }
        leading = true;
        LOG.infof("%s: leads now (holds Lease %s/%s)", identity, namespace, name);
        notifier.execute(listener::started);
    }

    private void stoppedLeading() {
        boolean was = leading;
        leading = false;
        if (was && !closing) {
            LOG.warnf("%s: lost the leadership (Lease %s/%s not renewed within %d ms)", identity, namespace, name,
                    renewDeadline.toMillis());
            notifier.execute(listener::stopped);
        }
    }

    private void newLeader(String holder) {
        leader = holder;
        LOG.infof("%s: the serve-manager leader is %s", identity, holder);
    }

    @Override
    public boolean leading() {
        return leading;
    }

    /** The holder of the Lease as last seen, or null. */
    public String leader() {
        return leader;
    }

    @Override
    public String describe() {
        return "Kubernetes Lease " + namespace + "/" + name + " (lease " + leaseDuration.toMillis() + " ms, renew deadline "
                + renewDeadline.toMillis() + " ms, retry " + retryPeriod.toMillis() + " ms)";
    }

    @Override
    public synchronized void close() {
        closing = true;
        if (running != null) {
            running.cancel(true);
        }
        leading = false;
        notifier.shutdown();
    }
}
