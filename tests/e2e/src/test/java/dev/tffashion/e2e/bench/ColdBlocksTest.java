package dev.tffashion.e2e.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The cold start's blocks are cut by due time, and count the pictures still waiting at each end of their window. */
class ColdBlocksTest {

    @Test
    void aPipelineThatKeepsUpHasNothingWaitingBeyondWhatIsInFlight() {
        // 8 drops at 10/s, each predicted 20 ms after it was due
        long[] due = new long[8];
        long[] predicted = new long[8];
        for (int i = 0; i < due.length; i++) {
            due[i] = 1_000 + 100L * i;
            predicted[i] = due[i] + 20;
        }
        List<ColdBlocks.Block> blocks = ColdBlocks.of(due, predicted, 2, 10);
        assertEquals(2, blocks.size());
        assertEquals(new ColdBlocks.Block(0, 4, 1_000, 1_400, 0, 0), blocks.get(0));
        assertEquals(new ColdBlocks.Block(4, 4, 1_400, 1_800, 0, 0), blocks.get(1));
    }

    @Test
    void aBacklogIsCountedAtBothEndsOfTheBlocksItSpans() {
        // 8 drops at 10/s; the first six are all predicted together at 1_650 ms (a cold pipeline catching up), the rest on time
        long[] due = new long[8];
        long[] predicted = new long[8];
        for (int i = 0; i < due.length; i++) {
            due[i] = 1_000 + 100L * i;
            predicted[i] = i < 6 ? 1_650 : due[i] + 20;
        }
        List<ColdBlocks.Block> blocks = ColdBlocks.of(due, predicted, 2, 10);
        assertEquals(0, blocks.get(0).waitingAtStart());
        assertEquals(4, blocks.get(0).waitingAtEnd());
        assertEquals(4, blocks.get(1).waitingAtStart());
        assertEquals(0, blocks.get(1).waitingAtEnd());
        assertEquals(4, blocks.get(1).waiting());
    }

    @Test
    void aPictureNeverPredictedWaitsForever() {
        long[] due = {0, 100, 200, 300};
        long[] predicted = {10, 0, 210, 310};
        assertEquals(1, ColdBlocks.waitingAt(1_000, due, predicted));
        assertEquals(1, ColdBlocks.of(due, predicted, 2, 10).get(1).waitingAtStart());
    }
}
