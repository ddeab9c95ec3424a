package dev.tffashion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import dev.tffashion.e2e.chaos.Chaos;
import org.junit.jupiter.api.Test;

/**
 * Faults: each of the five services killed with SIGKILL at a seeded random moment and restarted, and the broker killed and
 * restarted once, while 500 image drops and 2 recipe drops stream in; no accepted drop may be lost and no user may get a
 * duplicate (see {@link dev.tffashion.e2e.chaos.Report} for the definitions). The seed is printed; -Dchaos.seed=N repeats a
 * plan, -Dchaos.images=N and -Dchaos.stream-seconds=S change the load.
 */
class FaultIT {

    @Test
    void noAcceptedDropIsLostOrDeliveredTwiceWhileEveryProcessIsKilled() throws Exception {
        long seed = Long.getLong("chaos.seed", System.currentTimeMillis() % 1_000_000L);
        var defaults = Chaos.Options.defaults(seed);
        var options = new Chaos.Options(seed, Integer.getInteger("chaos.images", defaults.images()), defaults.badImages(),
            Duration.ofSeconds(Long.getLong("chaos.stream-seconds", defaults.stream().toSeconds())), defaults.lateBound(),
            defaults.drainTimeout());
        var report = Chaos.run(options);
        assertEquals(0, report.lost(), "accepted drops lost (seed " + seed + ")");
        assertEquals(0, report.duplicatesDelivered(), "duplicates delivered to users (seed " + seed + ")");
        assertTrue(report.passed(), "seed " + seed + ": " + report.failures());
    }
}
