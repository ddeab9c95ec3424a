package dev.tffashion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import dev.tffashion.e2e.chaos.Chaos;
import org.junit.jupiter.api.Test;

/**
 * Scale out under faults: two replicas of learn, serve-manager (a leader and a standby in front of one model server),
 * image-convert, predict and file-drop, with image and recipe drops alternating between the two file-drops. One replica of each
 * service is killed with SIGKILL mid-stream and restarted: learn's while it trains the second recipe, the serve-manager that
 * leads, image-convert's and predict's while pictures wait for them. It fails when an accepted drop is lost, a user gets a
 * duplicate (two predictions of one image for a read_committed reader, one upload stored twice, or two answers from the API),
 * or the two file-drops do not answer the same prediction for every image (see {@link dev.tffashion.e2e.chaos.Report}).
 * CI runs 400 images over 100 s (-Dscale.images, -Dscale.stream-seconds; the full 2000 over 240 s is {@code bin/chaos
 * --replicas 2}); -Dscale.seed=N repeats a plan.
 */
class ScaleIT {

    @Test
    void twoReplicasOfEveryServiceLoseNothingAndDeliverNothingTwiceWhileOneOfEachIsKilled() throws Exception {
        long seed = Long.getLong("scale.seed", ThreadLocalRandom.current().nextLong(1_000_000L));
        System.out.println("ScaleIT: seed " + seed + " (repeat it with -Dscale.seed=" + seed + ")");
        var options = Chaos.Options.scale(seed, 2).withLoad(Integer.getInteger("scale.images", 400),
            Duration.ofSeconds(Long.getLong("scale.stream-seconds", 100)));
        var report = Chaos.run(options);
        assertEquals(0, report.lost(), "accepted drops lost (seed " + seed + ")");
        assertEquals(0, report.duplicatesDelivered(), "duplicates delivered to users (seed " + seed + ")");
        assertTrue(report.passed(), "seed " + seed + ": " + report.failures());
    }
}
