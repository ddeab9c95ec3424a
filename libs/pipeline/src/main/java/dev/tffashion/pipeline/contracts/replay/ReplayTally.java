package dev.tffashion.pipeline.contracts.replay;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;

/**
 * Counts a replay as it goes and writes its {@link ReplayReport}: each replayed image with its class before and after, the
 * refusals, the images already at the target version, and at the end the images out of reach. Resumes from a report (after a crash,
 * the counts of the last committed checkpoint). Not thread-safe: one replay job owns it.
 */
public final class ReplayTally {

    /** A class as a prediction names it. */
    public record Label(int label, String className) {
    }

    private final ReplayRequest request;
    private final String modelName;
    private final Instant startedAt;
    private long selected;
    private long alreadyAtVersion;
    private long replayed;
    private long refused;
    private long scanned;
    private long toScan;
    private final Map<Integer, long[]> rows = new TreeMap<>();
    private final Map<Integer, String> classNames = new TreeMap<>();
    private final Map<String, Long> changes = new TreeMap<>();
    private final List<ReplayReport.Flip> flips = new ArrayList<>();
    private final Set<String> outOfReach = new LinkedHashSet<>();

    public ReplayTally(ReplayRequest request, String modelName, Instant startedAt) {
        this.request = request;
        this.modelName = modelName;
        this.startedAt = startedAt;
    }

    /** A tally that goes on from a checkpointed report and its details. */
    public static ReplayTally resume(ReplayReport report, ReplayReport.Details details) {
        ReplayTally tally = new ReplayTally(report.request(), report.modelName(), report.startedAt());
        ReplayReport.Counts c = report.counts();
        tally.selected = c.selected();
        tally.alreadyAtVersion = c.alreadyAtVersion();
        tally.replayed = c.replayed();
        tally.refused = c.refused();
        tally.scanned = c.scanned();
        tally.toScan = c.toScan();
        for (ReplayReport.ClassRow row : report.perClass()) {
            tally.rows.put(row.label(), new long[] {row.before(), row.after(), row.lost(), row.gained()});
            tally.classNames.put(row.label(), row.className());
        }
        tally.changes.putAll(report.changes());
        if (details != null) {
            tally.flips.addAll(details.flips());
            tally.outOfReach.addAll(details.outOfReach());
        }
        return tally;
    }

    /** The replay selects this many images; {@code atVersion} of them already have a prediction by the target version. */
    public void selected(long images, long atVersion) {
        this.selected = images;
        this.alreadyAtVersion = atVersion;
    }

    /** The tensor topic holds this many records to read. */
    public void toScan(long records) {
        this.toScan = records;
    }

    /** Read this many more tensor records. */
    public void scanned(long records) {
        this.scanned += records;
    }

    /** An image predicted again: its old prediction and its new one. */
    public void replayed(String imageId, String tensorId, String beforeId, Label before, long beforeVersion, String afterId,
            Label after) {
        replayed++;
        row(before)[0]++;
        row(after)[1]++;
        if (before.label() != after.label()) {
            row(before)[2]++;
            row(after)[3]++;
            changes.merge(before.className() + " -> " + after.className(), 1L, Long::sum);
            flips.add(new ReplayReport.Flip(imageId, tensorId, beforeId, before.label(), before.className(), beforeVersion, afterId,
                after.label(), after.className()));
        }
    }

    /** A tensor TF Serving refused: its old prediction stays current. */
    public void refused() {
        refused++;
    }

    /** Selected images whose tensor the replay did not find (known when the scan ends). */
    public void outOfReach(Iterable<String> imageIds) {
        imageIds.forEach(outOfReach::add);
    }

    /** How many images were replayed so far. */
    public long replayedCount() {
        return replayed;
    }

    /** The report as it stands; the details go inline when small, else to the store. */
    public ReplayReport report(ReplayReport.State state, String reason, ReplayReport.Checkpoint checkpoint, ContentStore store) {
        long flipped = flips.size();
        List<ReplayReport.ClassRow> perClass = new ArrayList<>();
        rows.forEach((label, r) -> perClass.add(new ReplayReport.ClassRow(label, classNames.get(label), r[0], r[1], r[2], r[3])));
        ReplayReport.Counts counts = new ReplayReport.Counts(selected, alreadyAtVersion, replayed, flipped, replayed - flipped, refused,
            outOfReach.size(), scanned, toScan);
        byte[] details = Json.toBytes(details());
        return new ReplayReport(request.id(), request, state, reason, modelName, startedAt, Instant.now(), counts, perClass, changes,
            checkpoint, Contents.store(store, details, "application/json"));
    }

    /** The lists as they stand. */
    public ReplayReport.Details details() {
        return new ReplayReport.Details(flips, new ArrayList<>(outOfReach));
    }

    /** Reads a report's details (inline or from the store). */
    public static ReplayReport.Details details(ReplayReport report, ContentStore store) {
        if (report.details() == null) {
            return new ReplayReport.Details(List.of(), List.of());
        }
        return Json.fromBytes(Contents.read(store, report.details()), ReplayReport.Details.class);
    }

    private long[] row(Label label) {
        classNames.putIfAbsent(label.label(), label.className());
        return rows.computeIfAbsent(label.label(), l -> new long[4]);
    }
}
