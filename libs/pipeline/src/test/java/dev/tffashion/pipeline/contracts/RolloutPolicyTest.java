package dev.tffashion.pipeline.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.store.ContentRef;

/** The rollout policy's names, the canary arm, the endpoint's challenger and the recipe's annotation. */
class RolloutPolicyTest {

    @Test
    void parsesNamesInAnyCaseAndSaysWhatIsAccepted() {
        assertEquals(RolloutPolicy.SHADOW, RolloutPolicy.parse(" Shadow "));
        assertEquals(RolloutPolicy.IMMEDIATE, RolloutPolicy.parse("immediate"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RolloutPolicy.parse("blue-green"));
        assertTrue(e.getMessage().contains("[immediate, shadow, canary]"), e.getMessage());
    }

    @Test
    void canaryArmIsStablePerImageAndNearItsWeight() {
        int inArm = 0;
        for (int i = 0; i < 20_000; i++) {
            String id = "image-" + i;
            boolean arm = RolloutPolicy.canaryArm(id, 0.2);
            assertEquals(arm, RolloutPolicy.canaryArm(id, 0.2), "the same image always gets the same arm");
            if (arm) {
                inArm++;
                assertTrue(RolloutPolicy.canaryArm(id, 0.5), "a larger weight keeps the images of a smaller one");
            }
        }
        assertTrue(inArm > 3_700 && inArm < 4_300, "20% of 20000 images, got " + inArm);
        assertFalse(RolloutPolicy.canaryArm("x", 0));
        assertTrue(RolloutPolicy.canaryArm("x", 1));
    }

    @Test
    void endpointCarriesTheChallengerAndChecksIt() {
        EndpointValue shadow = new EndpointValue("h:1", null, "fashion", 1L, null, null, null, "m1", null, "embedded", "shadow", 2L,
            "m2", 0.3);
        assertEquals(RolloutPolicy.SHADOW, shadow.rolloutPolicy());
        assertNull(shadow.canaryWeight(), "only a canary has a weight");
        assertEquals("2", shadow.annotations().get(EndpointValue.CHALLENGER_VERSION));
        EndpointValue read = Json.fromBytes(Json.toBytes(shadow), EndpointValue.class);
        assertEquals(shadow, read);
        EndpointValue plain = new EndpointValue("h:1", null, "fashion", 1L, null, null, null, "m1", null, "embedded");
        assertEquals(RolloutPolicy.IMMEDIATE, plain.rolloutPolicy());
        assertNull(Json.fromBytes(Json.toBytes(plain), EndpointValue.class).challengerVersion());
        assertThrows(IllegalArgumentException.class, () -> new EndpointValue("h:1", null, "fashion", 1L, null, null, null, "m1", null,
            null, "shadow", null, null, null));
        assertThrows(IllegalArgumentException.class, () -> new EndpointValue("h:1", null, "fashion", 1L, null, null, null, "m1", null,
            null, "canary", 2L, "m2", 1.5));
        assertThrows(IllegalArgumentException.class, () -> new EndpointValue("h:1", null, "fashion", 1L, null, null, null, "m1", null,
            null, "shadow", 1L, "m2", null));
    }

    @Test
    void modelValueReadsTheRecipesRollout() {
        ModelValue shadow = new ModelValue("m", "tf-fashion", "s", new ContentRef("store://x", "application/x-tar", 1, "ab"),
            Map.of(ModelValue.ROLLOUT, "shadow"), null);
        assertEquals(RolloutPolicy.SHADOW, shadow.rollout().orElseThrow());
        ModelValue none = new ModelValue("m", "tf-fashion", "s", new ContentRef("store://x", "application/x-tar", 1, "ab"), Map.of(),
            null);
        assertTrue(none.rollout().isEmpty());
        ModelValue bad = new ModelValue("m", "tf-fashion", "s", new ContentRef("store://x", "application/x-tar", 1, "ab"),
            Map.of(ModelValue.ROLLOUT, "sometimes"), null);
        assertThrows(dev.tffashion.pipeline.MalformedValueException.class, bad::rollout);
    }

    @Test
    void commandsAreCheckedAndRoundTrip() {
        RolloutCommand rollback = RolloutCommand.of("fashion", "rollback", 3L);
        assertEquals(rollback, RolloutCommand.from(rollback.toBytes()));
        assertThrows(IllegalArgumentException.class, () -> RolloutCommand.of("fashion", "promote", 3L));
        assertThrows(IllegalArgumentException.class, () -> RolloutCommand.of("fashion", "delete", null));
        assertThrows(IllegalArgumentException.class, () -> RolloutCommand.of("fashion", "rollback", 0L));
    }
}
