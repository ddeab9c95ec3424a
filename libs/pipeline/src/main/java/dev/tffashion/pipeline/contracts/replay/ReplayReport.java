package dev.tffashion.pipeline.contracts.replay;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.store.ContentRef;

/**
 * Where a replay stands and what it changed: the record on the compacted {@code <pipeline>.replay.report} topic (key: the replay
 * id), written by predict's replay job in the same Kafka transaction as the predictions it counts, and served by file-drop at
 * {@code GET /v1/replay/{id}}. The list of flipped images and of images out of reach is in {@link #details()} (a {@link Details}
 * document, inline when small, else in the content store); the counts are here. {@link #checkpoint()} is where the job resumes
 * after a crash.
 *
 * @param modelName the served model the replay asked
 * @param perClass  one row per class seen before or after, in label order
 * @param changes   {@code "<before class> -> <after class>"} to how many images flipped that way
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReplayReport(String replayId, ReplayRequest request, State state, String reason, String modelName, Instant startedAt,
        Instant updatedAt, Counts counts, List<ClassRow> perClass, Map<String, Long> changes, Checkpoint checkpoint,
        ContentRef details) {

    /** Where a replay stands. */
    public enum State { RUNNING, DONE, FAILED }

    /**
     * The counts of a replay.
     *
     * @param selected         images whose current prediction the request selects
     * @param alreadyAtVersion selected images whose current prediction was already made by the target version (not replayed)
     * @param replayed         images predicted again (each has a new prediction that supersedes the old one)
     * @param flipped          replayed images whose class changed
     * @param unchanged        replayed images whose class stayed
     * @param refused          tensors TF Serving refused (their old prediction stays current)
     * @param outOfReach       selected images whose tensor is no longer on the tensor topic (its retention), known once done
     * @param scanned          tensor records read so far
     * @param toScan           tensor records on the topic when the replay started (what it reads)
     */
    public record Counts(long selected, long alreadyAtVersion, long replayed, long flipped, long unchanged, long refused,
            long outOfReach, long scanned, long toScan) {

        /** The fraction of the tensor records read, in [0,1]. */
        public double progress() {
            return toScan == 0 ? 1.0 : Math.min(1.0, (double) scanned / toScan);
        }
    }

    /**
     * One class: how many replayed images had it before and after, and how many left it or came to it.
     */
    public record ClassRow(int label, String className, long before, long after, long lost, long gained) {
    }

    /**
     * Where the job resumes: the next offset to read of each tensor-topic partition, and the end offsets the replay reads up to.
     */
    public record Checkpoint(Map<Integer, Long> next, Map<Integer, Long> end) {

        public Checkpoint {
            next = next == null ? Map.of() : Map.copyOf(next);
            end = end == null ? Map.of() : Map.copyOf(end);
        }
    }

    /** One replayed image whose class changed. */
    public record Flip(String imageId, String tensorId, String beforeId, int beforeLabel, String beforeClass, long beforeVersion,
            String afterId, int afterLabel, String afterClass) {
    }

    /** The lists of a report: the flips, in the order they were found, and the images out of reach. */
    public record Details(List<Flip> flips, List<String> outOfReach) {

        public Details {
            flips = flips == null ? List.of() : List.copyOf(flips);
            outOfReach = outOfReach == null ? List.of() : List.copyOf(outOfReach);
        }
    }

    public ReplayReport {
        perClass = perClass == null ? List.of() : List.copyOf(perClass);
        changes = changes == null ? Map.of() : Map.copyOf(changes);
    }

    /** Whether the replay ended (done or failed): a request seen again changes nothing. */
    public boolean finished() {
        return state == State.DONE || state == State.FAILED;
    }

    public byte[] toJson() {
        return Json.toBytes(this);
    }

    public static ReplayReport fromJson(byte[] json) {
        return Json.fromBytes(json, ReplayReport.class);
    }
}
