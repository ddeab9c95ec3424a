package dev.tffashion.pipeline.contracts.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tffashion.pipeline.store.ContentStore;

class ReplayTallyTest {

    private static final ReplayTally.Label SHIRT = new ReplayTally.Label(6, "Shirt");
    private static final ReplayTally.Label TOP = new ReplayTally.Label(0, "T-shirt/top");
    private static final ReplayTally.Label BAG = new ReplayTally.Label(8, "Bag");

    @TempDir
    Path dir;

    @Test
    void countsFlipsPerClassAndBeforeAfter() {
        ContentStore store = ContentStore.atFolder(dir);
        ReplayRequest request = ReplayRequest.between(1, 2);
        ReplayTally tally = new ReplayTally(request, "fashion", Instant.EPOCH);
        tally.selected(5, 1);
        tally.toScan(10);
        tally.replayed("i1", "t1", "p1", SHIRT, 1, "n1", TOP);
        tally.replayed("i2", "t2", "p2", SHIRT, 1, "n2", SHIRT);
        tally.replayed("i3", "t3", "p3", BAG, 1, "n3", TOP);
        tally.refused();
        tally.scanned(10);
        tally.outOfReach(List.of("i5"));
        ReplayReport report = tally.report(ReplayReport.State.DONE, null, new ReplayReport.Checkpoint(Map.of(0, 10L), Map.of(0, 10L)),
            store);

        assertEquals(new ReplayReport.Counts(5, 1, 3, 2, 1, 1, 1, 10, 10), report.counts());
        assertEquals(List.of(new ReplayReport.ClassRow(0, "T-shirt/top", 0, 2, 0, 2), new ReplayReport.ClassRow(6, "Shirt", 2, 1, 1, 0),
            new ReplayReport.ClassRow(8, "Bag", 1, 0, 1, 0)), report.perClass());
        assertEquals(Map.of("Shirt -> T-shirt/top", 1L, "Bag -> T-shirt/top", 1L), report.changes());
        ReplayReport.Details details = ReplayTally.details(report, store);
        assertEquals(List.of("i1", "i3"), details.flips().stream().map(ReplayReport.Flip::imageId).toList());
        assertEquals(List.of("i5"), details.outOfReach());
        assertEquals(1.0, report.counts().progress());
        assertTrue(report.finished());
        assertEquals(report, ReplayReport.fromJson(report.toJson()));
    }

    @Test
    void aResumedTallyGoesOnFromItsCheckpoint() {
        ContentStore store = ContentStore.atFolder(dir);
        ReplayTally first = new ReplayTally(ReplayRequest.between(1, 2), "fashion", Instant.EPOCH);
        first.selected(3, 0);
        first.replayed("i1", "t1", "p1", SHIRT, 1, "n1", TOP);
        first.scanned(4);
        ReplayReport checkpoint = first.report(ReplayReport.State.RUNNING, null, new ReplayReport.Checkpoint(Map.of(0, 4L), Map.of()),
            store);

        ReplayTally resumed = ReplayTally.resume(ReplayReport.fromJson(checkpoint.toJson()), ReplayTally.details(checkpoint, store));
        resumed.replayed("i2", "t2", "p2", BAG, 1, "n2", TOP);
        resumed.scanned(2);
        ReplayReport report = resumed.report(ReplayReport.State.DONE, null, checkpoint.checkpoint(), store);

        assertEquals(new ReplayReport.Counts(3, 0, 2, 2, 0, 0, 0, 6, 0), report.counts());
        assertEquals(List.of("i1", "i2"), ReplayTally.details(report, store).flips().stream().map(ReplayReport.Flip::imageId).toList());
        assertEquals(Map.of("Shirt -> T-shirt/top", 1L, "Bag -> T-shirt/top", 1L), report.changes());
    }

    @Test
    void largeDetailsGoToTheStore() {
        ContentStore store = ContentStore.atFolder(dir);
        ReplayTally tally = new ReplayTally(ReplayRequest.between(1, 2), "fashion", Instant.EPOCH);
        for (int i = 0; i < 2000; i++) {
            tally.replayed("image-" + i, "tensor-" + i, "old-" + i, SHIRT, 1, "new-" + i, TOP);
        }
        ReplayReport report = tally.report(ReplayReport.State.RUNNING, null, null, store);
        assertTrue(report.details().uri().startsWith("store:"), report.details().uri());
        assertEquals(2000, ReplayTally.details(report, store).flips().size());
    }
}
