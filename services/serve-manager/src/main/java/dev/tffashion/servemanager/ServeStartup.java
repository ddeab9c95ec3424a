package dev.tffashion.servemanager;

import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.quarkus.KafkaClientConfig;
import dev.tffashion.pipeline.quarkus.PipelineConfig;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.status.TaskState;
import dev.tffashion.servemanager.config.ServingConfig;
import dev.tffashion.servemanager.leader.KafkaLeaderElector;
import dev.tffashion.servemanager.leader.LeaderElector;
import dev.tffashion.servemanager.leader.LeadershipListener;
import dev.tffashion.servemanager.leader.LeaseLeaderElector;
import dev.tffashion.servemanager.messaging.ModelConsumer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;

/**
 * One active serve-manager among its replicas. At start-up every replica reports {@code standby} and competes for the leadership
 * ({@code serving.leader.election}: a Kubernetes Lease in a pod, a Kafka consumer group elsewhere). The replica that wins starts
 * serving on its own thread (cleans unfinished versions, starts or reconciles the model server, re-announces the live version, so
 * waiting for TF Serving does not hold up the HTTP server) and only then consumes models. A standby does none of that: it never
 * touches the models folder, so it cannot delete a version the leader is installing.
 * <p>
 * A leader that loses the leadership (cut off from Kafka or the API server for longer than the session or lease) stops consuming at
 * once. Under the Kafka election it stands by and keeps competing (a broker restart drops every member of the group, a lone
 * replica included), and when it leads again it re-announces the live version and consumes models again. Under the Lease, whose
 * elector ends with the loss, it exits with status {@value #LOST_LEADERSHIP_EXIT}, so its supervisor starts it again as a standby.
 */
@ApplicationScoped
public class ServeStartup {

    /** Exit status of a replica that lost the leadership. */
    public static final int LOST_LEADERSHIP_EXIT = 3;

    private static final Logger LOG = Logger.getLogger(ServeStartup.class);

    @Inject
    ServeManager manager;

    @Inject
    StatusReporter status;

    @Inject
    ModelConsumer models;

    @Inject
    ServingConfig config;

    @Inject
    PipelineConfig pipeline;

    @Inject
    PipelineGraph graph;

    /** Every {@code kafka.*} property (bootstrap servers, security), as Quarkus collects them for Kafka clients. */
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    Instance<KubernetesClient> kubernetes;

    private volatile String failure;
    private volatile LeaderElector elector;
    private volatile boolean leading;

    void onStart(@Observes StartupEvent event) {
        elector = elector();
        status.report(ServeManager.TASK, TaskState.STANDBY, "standby: " + pipeline.instanceName() + " waits for the leadership ("
                + elector.describe() + "); only the leader installs models and announces the endpoint");
        elector.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        models.stop();
        if (elector != null) {
            elector.close();
        }
    }

    /** The elector chosen by {@code serving.leader.election}. */
    private LeaderElector elector() {
        ServingConfig.Leader leader = config.leader();
        String instance = pipeline.instanceName();
        LeadershipListener listener = new LeadershipListener() {
            @Override
            public void started() {
                // Starting may wait minutes for a model server: on a thread of its own, so a loss is handled meanwhile.
                Thread thread = new Thread(ServeStartup.this::lead, "serve-startup");
                thread.setDaemon(true);
                thread.start();
            }

            @Override
            public void stopped() {
                lost();
            }
        };
        if (useLease(leader.election())) {
            KubernetesClient client = kubernetes.get();
            String namespace = config.kubernetes().namespace().or(() -> Optional.ofNullable(client.getNamespace())).orElse("default");
            return new LeaseLeaderElector(client, namespace, leader.leaseName(), instance, leader.leaseDuration(), leader.renewDeadline(),
                    leader.retryPeriod(), listener);
        }
        return new KafkaLeaderElector(KafkaClientConfig.consumer(kafka), leader.topic().orElse(graph.name() + ".serve-manager.leader"),
                leader.group().orElse(graph.name() + "-serve-manager-leader"), instance, leader.sessionTimeout(),
                pipeline.topics().replicationFactor(), listener);
    }

    static boolean useLease(ServingConfig.Leader.Election election) {
        return switch (election) {
            case LEASE -> true;
            case KAFKA -> false;
            case AUTO -> {
                String host = System.getenv("KUBERNETES_SERVICE_HOST");
                yield host != null && !host.isBlank();
            }
        };
    }

    private void lead() {
        leading = true;
        LOG.infof("%s leads the serve task: starting to serve", pipeline.instanceName());
        try {
            manager.start();
            failure = null;
        } catch (RuntimeException e) {
            failure = e.getMessage();
            LOG.errorf(e, "the serve-manager could not start serving: %s", e.getMessage());
            status.report(ServeManager.TASK, TaskState.FAILED, "cannot start serving: " + e.getMessage());
        }
        if (leading) {
            models.start();
        }
    }

    private void lost() {
        boolean was = leading;
        leading = false;
        models.stop();
        if (!was) {
            return;
        }
        if (elector instanceof KafkaLeaderElector) {
            // The Kafka election keeps competing after a loss (a broker restart drops every member, the only replica included):
            // stand by, with models no longer consumed, until it leads again; version claims stay atomic meanwhile.
            String reason = pipeline.instanceName() + " lost the leadership (" + elector.describe() + "); it stands by until it"
                + " leads again";
            LOG.warn(reason);
            status.report(ServeManager.TASK, TaskState.STANDBY, reason);
            return;
        }
        String reason = pipeline.instanceName() + " lost the leadership; it exits (status " + LOST_LEADERSHIP_EXIT + ") so that its "
                + "supervisor starts it again as a standby";
        LOG.error(reason);
        status.report(ServeManager.TASK, TaskState.FAILED, reason);
        Quarkus.asyncExit(LOST_LEADERSHIP_EXIT);
    }

    /** Whether this replica leads. */
    public boolean leading() {
        return leading;
    }

    /** How the leader is elected. */
    public String election() {
        LeaderElector current = elector;
        return current == null ? "not started" : current.describe();
    }

    /** Why start-up failed, or null. */
    public String failure() {
        return failure;
    }
}
