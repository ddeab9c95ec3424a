package dev.tffashion.e2e.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import dev.tffashion.e2e.PipelineProcesses;

/**
 * The seeded schedule of the faults: the middle of the stream is cut into six equal slots; the broker's restart takes the
 * third or fourth slot (the middle), the five services are shuffled into the others, and each fault strikes at a random moment
 * in the first half of its slot. learn's fault also drops the second recipe, and strikes while learn trains it.
 */
final class FaultPlan {

    /** One planned fault: which service (or the broker), which of its replicas (1 when alone), and when, from the stream's start. */
    record Planned(String target, Duration at, Duration learnDelay, int replica) {
    }

    private FaultPlan() {
    }

    static List<Planned> of(Random random, Duration stream) {
        var services = new ArrayList<>(PipelineProcesses.SERVICES);
        Collections.shuffle(services, random);
        int brokerSlot = 2 + random.nextInt(2);
        var order = new ArrayList<String>(services);
        order.add(brokerSlot, PipelineProcesses.BROKER);
        return spread(random, stream, order, 1);
    }

    /**
     * With replicas of every service: one replica of each service, in a shuffled order over the middle of the stream, the broker
     * left alone (the single-process plan covers it). The replica is drawn here; learn's and serve-manager's are chosen when they
     * strike (the one working on the recipe, the leader).
     */
    static List<Planned> ofReplicas(Random random, Duration stream, int replicas) {
        var order = new ArrayList<>(PipelineProcesses.SERVICES);
        Collections.shuffle(order, random);
        return spread(random, stream, order, replicas);
    }

    private static List<Planned> spread(Random random, Duration stream, List<String> order, int replicas) {
        long from = stream.toMillis() / 10;
        long slot = (stream.toMillis() * 8 / 10) / order.size();
        var plan = new ArrayList<Planned>();
        for (int i = 0; i < order.size(); i++) {
            long at = from + i * slot + (long) (random.nextDouble() * slot / 2);
            int replica = 1 + random.nextInt(replicas);
            plan.add(new Planned(order.get(i), Duration.ofMillis(at), Duration.ofMillis(random.nextInt(1500)), replica));
        }
        return plan;
    }
}
