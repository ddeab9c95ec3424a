package dev.tffashion.e2e.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the "Faults" section of docs/reliability.md from a chaos run: what the run does, the definitions of its figures,
 * and the figures as measured. The other sections of the file are kept as they are; a new file gets placeholders for them.
 */
final class ReliabilityDoc {

    static final String FAULTS = "## Faults";

    private static final String NEW_FILE = """
        # Reliability

        What tf-fashion promises when parts of it fail or are fed bad input, and the runs that check it. Kafka delivers at
        least once and TF Serving keeps the old model when a new one fails; on top of that, no accepted drop is ever lost:
        every drop that got a `202` ends in exactly one prediction or one dead letter with a reason.

        %s

        ## Bad input

        (to be filled from the bad-input run)

        ## Soak

        (to be filled from the soak run)
        """;

    private static final String HOW = """
        `bin/chaos` (or `bin/tf-fashion chaos`; options `--seed N`, `--images N`, `--stream-seconds S`) and the IT `FaultIT` run
        `dev.tffashion.e2e.chaos.Chaos`: it starts its own pipeline (kafka-local and the five packaged services as processes on
        free loopback ports, each service's Kafka consumers with the %d s session they ship with, so a restarted member takes
        its partitions in seconds), then streams 500 image drops (Fashion-MNIST test PNGs, 10 of them blank pictures or PNGs cut
        before their end, which imageConvert must dead-letter) and 2 recipe drops (`samples/recipes/quick.yaml`, seeds 42 and 7)
        through `POST /imageInput` and `POST /scriptInput`. The client behaves as a user's: each drop has its own
        `Idempotency-Key`, and a drop that got no answer, a 5xx or a 409 is sent again with the same key until it gets a `202`
        (accepted) or a 4xx (refused, not counted), for at most 3 minutes (gave up).

        During the stream each of the five services is killed once with SIGKILL (`kill -9`, by process handle) at a seeded random
        moment and started again at once on the same ports; the broker is killed with SIGKILL once in the middle of the stream and
        started again on the same ports and data folder. Before the broker is started again, every service's
        `/q/health/ready` is asked every 250 ms: each must answer `503` within 10 s of the kill, and every answer must come
        within 5 s, or the run fails (a probe that gets no answer counts as a failure, and traffic would still be sent to a
        service that cannot work). The faults come one after the other (six slots of the stream, the broker
        in the third or fourth, each fault at a random moment in the first half of its slot). learn's fault drops the second recipe
        and strikes while learn works on it, so the restarted learn must train it again. Afterwards the run waits until every
        accepted drop has an outcome (3 minutes at most) and asks `GET /v1/predictions/{id}` for each image.

        Definitions:
        - **accepted**: the drop got a `202` (first answer or a replay of the same `Idempotency-Key`).
        - Every topic is read `read_committed`, as the README's "Exactly once" defines it.
        - **outcome** of an image: a prediction (a value on `tf-fashion.predict.prediction` whose lineage names the image id) or a
          dead letter (a record on `tf-fashion.imageConvert.dlq` keyed by the image id, or on `tf-fashion.predict.dlq` keyed by its
          tensor's id), with its reason header.
        - **lost**: accepted, and no outcome when the run ends.
        - **duplicates on topics**: records of an image's values (drop, tensor, prediction, dead letter) whose value id was already
          on that topic.
        - **duplicates delivered to users**: images with more than one prediction record (same value id or not: "exactly one
          prediction" for a `read_committed` reader; a superseding prediction, made by a replay a user asked for and naming the
          earlier one in its lineage `supersedes`, is intended and not counted), or a prediction and a dead letter, or for which
          `GET /v1/predictions/{id}` answered two different predictions during the run, or one upload (one `Idempotency-Key`)
          stored as two images. Must be 0.
        - **model version live**: each prediction's model version was announced on `tf-fashion.serve.endpoint` before the
          prediction was written and not replaced by another version before the image was dropped; a prediction that breaks
          this fails the run.
        - **late**: the outcome record's time is more than 60 s after the drop was due (same machine, same clock). Latency is
          counted from the moment the drop was due, so time spent retrying a drop against a dead file-drop counts.
        - **per fault**: each drop belongs to the fault whose kill came last before it was due; "in flight at kill" counts the
          accepted images (of any row) that were due before the kill and had no outcome yet at the kill.
        - A recipe must end in a served model (a `serve.endpoint` value for its model) or a learn dead letter.
        - **answered again without it**: during the run `GET /v1/predictions/{id}` is asked for every accepted image once a
          second; an image whose prediction it had answered and that it then answers otherwise is counted by the state it was
          answered (the body's `state`). `loading` (`503` with `Retry-After` while a restarted file-drop's index reads Kafka
          again) is expected and only noted; with one file-drop any other state (`404 unknown` or `pending`, a dead letter)
          fails the run, since the index is rebuilt from the topics that hold the prediction. With replicas, a file-drop whose
          index is behind another's may answer `pending` for a while: noted only.

        Defects the runs found:
        - predict: a tensor delivered again (its offset not yet committed when the broker was killed, or when predict was)
          was predicted by the model served at that time; during a model swap its image got two different predictions (seed 2:
          8 images). First fixed with a ledger of the tensors predict had predicted (it read nothing at start-up at first; seed
          2 again: 87 images); then replaced (issue 14) by Kafka transactions: a batch's predictions, dead letters and offsets
          are committed together, so a tensor delivered again has no visible prediction yet (services/predict/DESIGN.md).
        - file-drop: an upload in flight when file-drop was killed had reached Kafka but not the client; the client's retry,
          with the same `Idempotency-Key`, reached the restarted file-drop 2.6 s before its value index had read the topics back,
          so the key was not found and the upload was stored a second time under a new id (seed 2, third run: 1 upload).
          Fixed (commit 20a0db6): a drop with an `Idempotency-Key` waits for the index to have read every topic up to its end
          offsets at start-up (at most `file-drop.publish-timeout`, else `503 index-loading`, nothing accepted, retry with the
          same key); file-drop's readiness stays DOWN until then, and `GET /v1/predictions/{id}` answers `503` with
          `Retry-After` instead of `404 unknown image` while the index is loading (the notes count such answers).
        - services: with the broker down, `/q/health/ready` answered only after up to 60 s: Quarkus's own Kafka check asked
          the cluster (an admin client's `describeCluster`) and waited for a node. Fixed (243ae30): that check is off, and
          readiness sees Kafka through SmallRye's check of each channel's client, which answers at once.
        - kafka-local: a broker killed with SIGKILL is ready again after 14-23 s instead of 4-5 s: the controller refuses the new
          broker incarnation (`DUPLICATE_BROKER_REGISTRATION`) until the killed one's session (`broker.session.timeout.ms`,
          9 s) expires. Kept: a shorter session would fence the only broker on a loaded machine. Nothing acknowledged is lost.
        """;

    private ReliabilityDoc() {
    }

    /** Replaces (or adds) the Faults section of the file with this run's figures. */
    static void writeFaults(Path file, Report report) throws IOException {
        String section = FAULTS + "\n\n" + HOW.formatted(Chaos.SESSION_TIMEOUT.toSeconds()) + "\n### Last run\n\n" + report.markdown();
        if (!Files.exists(file)) {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, String.format(NEW_FILE, section.strip()), StandardCharsets.UTF_8);
            return;
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int start = text.indexOf(FAULTS + "\n");
        if (start < 0) {
            Files.writeString(file, text.stripTrailing() + "\n\n" + section, StandardCharsets.UTF_8);
            return;
        }
        int end = text.indexOf("\n## ", start + FAULTS.length());
        String after = end < 0 ? "" : text.substring(end + 1);
        Files.writeString(file, text.substring(0, start) + section.strip() + "\n\n" + after, StandardCharsets.UTF_8);
    }
}
