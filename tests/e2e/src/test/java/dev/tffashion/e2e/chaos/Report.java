package dev.tffashion.e2e.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import dev.tffashion.e2e.PipelineProcesses;
import dev.tffashion.e2e.TopicRecorder;

/**
 * The figures of a chaos run, per fault and overall, and what they mean. An accepted drop is one that got a 202. Its outcome
 * is a prediction (a value on predict.prediction whose lineage names the image) or a dead letter (a record on
 * imageConvert.dlq keyed by the image id, or on predict.dlq keyed by its tensor's id, with a reason). Every topic is read
 * {@code read_committed}. Lost: accepted, no outcome when the run ends. Duplicate on a topic: a record whose value id was
 * already on that topic. Duplicate delivered to users: an image with more than one prediction record (README, "Exactly once":
 * a read_committed reader of predict.prediction sees exactly one prediction per accepted image, same value id or not; a
 * prediction whose lineage names the one it supersedes, made by a replay a user asked for, is intended and counted apart as
 * superseding, never as a duplicate; GET /v1/predictions may answer it), or both
 * a prediction and a dead letter, or for which GET /v1/predictions/{id} answered two different predictions, or an upload (one
 * Idempotency-Key) stored as two images. A prediction must also be made by a model version that was live while its image was
 * on its way: announced on serve.endpoint before the prediction was written, and not replaced by another version before the
 * image was dropped; one that is not fails the run. Late: the outcome's record time is more than the bound after the drop was
 * due. Each drop belongs to the fault whose kill came last before the drop was due.
 */
public final class Report {

    /** Lookups over every record the run saw. */
    static final class Index {
        final Map<String, Integer> imageRecords = new HashMap<>();
        final Map<String, Long> imageTimestamps = new HashMap<>();
        final List<TopicRecorder.Seen> endpoints = new ArrayList<>();
        final Map<String, Set<String>> imageIdsByKey = new HashMap<>();
        final Map<String, List<TopicRecorder.Seen>> tensorsByImage = new HashMap<>();
        final Map<String, List<TopicRecorder.Seen>> predictionsByImage = new HashMap<>();
        /** Predictions made by a replay (lineage {@code supersedes}): intended, not duplicates (README, "Exactly once"). */
        final Map<String, List<TopicRecorder.Seen>> supersedingByImage = new HashMap<>();
        final Map<String, List<TopicRecorder.Seen>> deadLettersByKey = new HashMap<>();
        final Map<String, List<TopicRecorder.Seen>> modelsByScript = new HashMap<>();
        final Map<String, List<TopicRecorder.Seen>> endpointsByModel = new HashMap<>();
        final Map<String, int[]> topicDuplicates = new TreeMap<>();

        static Index of(TopicLog topics) {
            var index = new Index();
            for (var record : topics.of(Chaos.IMAGES)) {
                index.imageRecords.merge(record.id(), 1, Integer::sum);
                index.imageTimestamps.merge(record.id(), record.timestamp(), Math::min);
                var key = record.annotation("idempotencyKey");
                if (key != null) {
                    index.imageIdsByKey.computeIfAbsent(key, k -> new HashSet<>()).add(record.id());
                }
            }
            for (var tensor : topics.of(Chaos.TENSORS)) {
                tensor.sourceIds("image").forEach(i -> index.tensorsByImage.computeIfAbsent(i, k -> new ArrayList<>()).add(tensor));
            }
            for (var prediction : topics.of(Chaos.PREDICTIONS)) {
                var byImage = prediction.sourceIds("supersedes").isEmpty() ? index.predictionsByImage : index.supersedingByImage;
                prediction.sourceIds("image").forEach(i -> byImage.computeIfAbsent(i, k -> new ArrayList<>()).add(prediction));
            }
            for (var topic : List.of(Chaos.CONVERT_DLQ, Chaos.PREDICT_DLQ, Chaos.LEARN_DLQ, Chaos.SERVE_DLQ)) {
                for (var letter : topics.of(topic)) {
                    index.deadLettersByKey.computeIfAbsent(letter.key(), k -> new ArrayList<>()).add(letter);
                }
            }
            for (var model : topics.of(Chaos.MODELS)) {
                model.sourceIds("script").forEach(s -> index.modelsByScript.computeIfAbsent(s, k -> new ArrayList<>()).add(model));
            }
            index.endpoints.addAll(topics.of(Chaos.ENDPOINTS));
            index.endpoints.sort((a, b) -> Long.compare(a.timestamp(), b.timestamp()));
            for (var endpoint : topics.of(Chaos.ENDPOINTS)) {
                endpoint.sourceIds("model").forEach(m -> index.endpointsByModel.computeIfAbsent(m, k -> new ArrayList<>()).add(endpoint));
            }
            for (var topic : List.of(Chaos.SCRIPTS, Chaos.IMAGES, Chaos.MODELS, Chaos.ENDPOINTS, Chaos.TENSORS, Chaos.PREDICTIONS,
                Chaos.CONVERT_DLQ, Chaos.PREDICT_DLQ, Chaos.LEARN_DLQ, Chaos.SERVE_DLQ)) {
                var records = topics.of(topic);
                long distinct = records.stream().map(r -> r.key() == null ? r.id() : r.key()).distinct().count();
                index.topicDuplicates.put(topic, new int[] {records.size(), (int) (records.size() - distinct)});
            }
            return index;
        }

        /**
         * Why a prediction's model version was not live while its image was on its way (dropped at {@code dropped}, predicted at
         * the prediction record's time), or null when it was: the version was announced on serve.endpoint at or before the
         * prediction, and no other version replaced it before the drop.
         */
        String notLive(TopicRecorder.Seen prediction, long dropped) {
            String name = prediction.annotation("modelName");
            String version = prediction.annotation("modelVersion");
            Long announced = null;
            Long replaced = null;
            for (var endpoint : endpoints) {
                boolean same = version != null && version.equals(endpoint.annotation("modelVersion"))
                    && (name == null || endpoint.annotation("modelName") == null || name.equals(endpoint.annotation("modelName")));
                if (same && announced == null) {
                    announced = endpoint.timestamp();
                } else if (!same && announced != null && replaced == null) {
                    replaced = endpoint.timestamp();
                }
            }
            if (announced == null) {
                return "version " + version + " was never announced on serve.endpoint";
            }
            if (announced > prediction.timestamp()) {
                return "version " + version + " was announced at " + announced + ", after the prediction at " + prediction.timestamp();
            }
            if (replaced != null && replaced < dropped) {
                return "version " + version + " was replaced at " + replaced + ", before the image was dropped at " + dropped;
            }
            return null;
        }

        boolean hasOutcome(String imageId) {
            return outcome(imageId).firstMillis() > 0;
        }

        /** Where a recipe ended: served (version), learn or serve dead letter, or null while it has none. */
        String recipeOutcome(String scriptId) {
            var letters = deadLettersByKey.getOrDefault(scriptId, List.of());
            if (!letters.isEmpty()) {
                return "learn dead letter: " + letters.get(0).headers().get("dead-letter-reason");
            }
            for (var model : modelsByScript.getOrDefault(scriptId, List.of())) {
                var endpoints = endpointsByModel.getOrDefault(model.id(), List.of());
                if (!endpoints.isEmpty()) {
                    return "served as version " + endpoints.get(0).annotation("modelVersion");
                }
                var refused = deadLettersByKey.getOrDefault(model.id(), List.of());
                if (!refused.isEmpty()) {
                    return "serve dead letter: " + refused.get(0).headers().get("dead-letter-reason");
                }
            }
            return null;
        }

        ImageOutcome outcome(String imageId) {
            var tensors = tensorsByImage.getOrDefault(imageId, List.of());
            var tensorIds = new HashSet<String>();
            tensors.forEach(t -> tensorIds.add(t.id()));
            var predictions = predictionsByImage.getOrDefault(imageId, List.of());
            var predictionIds = new HashSet<String>();
            predictions.forEach(p -> predictionIds.add(p.id()));
            var letters = new ArrayList<TopicRecorder.Seen>(deadLettersByKey.getOrDefault(imageId, List.of()));
            tensorIds.forEach(t -> letters.addAll(deadLettersByKey.getOrDefault(t, List.of())));
            long first = Long.MAX_VALUE;
            for (var record : predictions) {
                first = Math.min(first, record.timestamp());
            }
            for (var record : letters) {
                first = Math.min(first, record.timestamp());
            }
            var reasons = new TreeMap<String, Integer>();
            letters.forEach(l -> reasons.merge(l.topic().replace("tf-fashion.", "") + ": " + reason(l), 1, Integer::sum));
            long distinctLetters = letters.stream().map(l -> l.topic() + "/" + l.key()).distinct().count();
            int duplicates = Math.max(0, imageRecords.getOrDefault(imageId, 0) - 1) + (tensors.size() - tensorIds.size())
                + (predictions.size() - predictionIds.size()) + (int) (letters.size() - distinctLetters);
            return new ImageOutcome(predictionIds, predictions, reasons, duplicates, first == Long.MAX_VALUE ? 0 : first);
        }

        private static String reason(TopicRecorder.Seen letter) {
            var code = letter.headers().get("dead-letter-code");
            var reason = letter.headers().getOrDefault("dead-letter-reason", "(no reason)");
            return code != null ? code : reason.length() > 80 ? reason.substring(0, 80) + "..." : reason;
        }
    }

    /**
     * An image's outcome: its distinct predictions, its prediction records, its dead letters (topic: reason, count), topic
     * duplicates, first outcome time.
     */
    record ImageOutcome(Set<String> predictionIds, List<TopicRecorder.Seen> predictions, Map<String, Integer> deadLetters,
            int topicDuplicates, long firstMillis) {
    }

    /** One line of the table. */
    record Row(String fault, String at, String down, int inFlight, int sent, int accepted, int refused, int gaveUp, int predicted,
            int deadLettered, int lost, int topicDuplicates, int deliveredDuplicates, int late, String latency) {
    }

    /** Faults of a full plan: the five services and the broker; with replicas, one replica of each service. */
    static int expectedFaults(Chaos.Options options) {
        return options.replicas() > 1 ? PipelineProcesses.SERVICES.size() : PipelineProcesses.SERVICES.size() + 1;
    }

    /** The data-path services whose kill must land while work is in flight. */
    static final Set<String> IN_FLIGHT_TARGETS = Set.of("image-convert", "predict");

    /** Accepted pictures due before such a kill and without an outcome at the kill, at least. */
    static final int MIN_IN_FLIGHT = 20;

    /**
     * The in-flight minimum of a run: with replicas the frozen replica's partitions move to the others once its consumer session
     * ends, so fewer pile up in front of it; 5 then (the freeze waits for twice as many, see Chaos).
     */
    static int minInFlight(Chaos.Options options) {
        return options.replicas() > 1 ? MIN_IN_FLIGHT / 4 : MIN_IN_FLIGHT;
    }

    /**
     * The share of drops that must end accepted (or, for a bad picture, accepted or refused at the door with a 4xx): a drop whose
     * client gave up, or a good picture refused, counts against it.
     */
    static final double MIN_ACCEPTANCE = 0.98;

    private final Chaos.Options options;
    private final String machine;
    private final double wallSeconds;
    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private final List<String> recipes = new ArrayList<>();
    private final Map<String, Integer> deadLetterReasons = new TreeMap<>();
    private final Map<String, int[]> topicDuplicates;
    private String latencies = "";
    private Row total;

    private Report(Chaos.Options options, String machine, double wallSeconds, Map<String, int[]> topicDuplicates) {
        this.options = options;
        this.machine = machine;
        this.wallSeconds = wallSeconds;
        this.topicDuplicates = topicDuplicates;
    }

    /** The answers without a prediction, by state, to images whose prediction the API had answered before. */
    static String regressionsText(Map<String, Map<String, Integer>> regressions) {
        if (regressions.isEmpty()) {
            return "never answered without it again";
        }
        var parts = new ArrayList<String>();
        new TreeMap<>(regressions).forEach((state, images) -> {
            int answers = images.values().stream().mapToInt(Integer::intValue).sum();
            parts.add(String.format(Locale.ROOT, "%s '%s' on %s%s", counted(answers, "time", "times"), state,
                counted(images.size(), "image", "images"), "loading".equals(state)
                    ? " (503 while a restarted file-drop's index reads Kafka again)" : ""));
        });
        return "answered without it again: " + String.join(", ", parts);
    }

    private static String counted(int n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    /**
     * The failure in answers given again without a prediction, if any. With one file-drop, an image whose prediction the API
     * answered has it in the index for good: the index is rebuilt from Kafka after a restart, and until it has read every topic
     * up to its end offsets at start-up the API answers {@code 503} "loading". Any other answer (404 "unknown" or "pending", a
     * dead letter) told a user that an existing prediction is not there. With replicas, a replica whose index is behind another
     * may answer "pending" for a while, so only the note counts them.
     */
    static Optional<String> wrongAgain(Map<String, Map<String, Integer>> regressions, int replicas) {
        var wrong = new TreeMap<>(regressions);
        wrong.remove("loading");
        return replicas > 1 || wrong.isEmpty() ? Optional.empty() : Optional.of("GET /v1/predictions/{id} answered images whose"
            + " prediction it had answered before without it, and not as 503 'loading': " + regressionsText(wrong));
    }

    static Report build(Chaos.Options options, String machine, List<DropClient.Drop> images, List<DropClient.Drop> recipeDrops,
            List<Chaos.Fault> faults, TopicLog topics, Map<String, Set<String>> apiAnswers,
            Map<String, Map<String, Integer>> apiRegressions, Map<String, String> finalAnswers, long streamStart, long streamEnd,
            double wallSeconds) {
        var index = Index.of(topics);
        var report = new Report(options, machine, wallSeconds, index.topicDuplicates);
        var outcomes = new HashMap<String, ImageOutcome>();
        var delivered = new HashMap<String, String>();
        int apiWrong = 0;
        int unexpected = 0;
        int notLive = 0;
        for (var drop : images) {
            if (!drop.accepted()) {
                var ghost = index.imageIdsByKey.get(drop.key);
                if (ghost != null) {
                    report.notes.add("drop " + drop.index + " (" + drop.name + ") was answered " + drop.result + " (" + drop.refusal
                        + drop.lastError + ") yet stored as " + ghost);
                }
                continue;
            }
            var outcome = index.outcome(drop.id);
            outcomes.put(drop.id, outcome);
            outcome.deadLetters().forEach((reason, n) -> report.deadLetterReasons.merge(reason, 1, Integer::sum));
            var api = apiAnswers.getOrDefault(drop.id, Set.of());
            var stored = index.imageIdsByKey.getOrDefault(drop.key, Set.of(drop.id));
            long dropped = index.imageTimestamps.getOrDefault(drop.id, drop.dueMillis);
            for (var prediction : outcome.predictions()) {
                String why = index.notLive(prediction, dropped);
                if (why != null) {
                    notLive++;
                    report.notes.add("image " + drop.id + ": prediction " + prediction.id() + " by a model version not live while the "
                        + "image was on its way: " + why);
                }
            }
            if (outcome.predictions().size() > 1) {
                delivered.put(drop.id, outcome.predictions().size() + " prediction records for a read_committed reader "
                    + outcome.predictionIds());
            } else if (!outcome.predictionIds().isEmpty() && !outcome.deadLetters().isEmpty()) {
                delivered.put(drop.id, "a prediction and a dead letter " + outcome.deadLetters().keySet());
            } else if (api.size() > 1) {
                delivered.put(drop.id, "GET /v1/predictions answered " + api);
            } else if (stored.size() > 1) {
                delivered.put(drop.id, "one upload stored as images " + stored);
            }
            var answer = finalAnswers.get(drop.id);
            boolean superseded = answer != null && index.supersedingByImage.getOrDefault(drop.id, List.of()).stream()
                .anyMatch(p -> ("prediction:" + p.id()).equals(answer));
            boolean apiRight = outcome.predictionIds().size() == 1
                ? ("prediction:" + outcome.predictionIds().iterator().next()).equals(answer) || superseded
                : outcome.predictionIds().isEmpty() && !outcome.deadLetters().isEmpty() ? "failed".equals(answer) : true;
            if (!apiRight) {
                apiWrong++;
                report.notes.add("image " + drop.id + " (drop " + drop.index + "): GET /v1/predictions answers " + answer + " at the end");
            }
            boolean good = !drop.expectDeadLetter;
            if (outcome.firstMillis() > 0 && (good == outcome.predictionIds().isEmpty())) {
                unexpected++;
                report.notes.add("drop " + drop.index + " (" + drop.name + ") ended in " + (good ? "dead letter " + outcome.deadLetters()
                    : "a prediction") + ", not as expected");
            }
        }
        delivered.forEach((id, why) -> report.notes.add("duplicate delivered for image " + id + ": " + why));
        long superseding = index.supersedingByImage.values().stream().mapToLong(List::size).sum();
        if (superseding > 0) {
            report.notes.add(superseding + " superseding predictions (replays a user asked for, lineage 'supersedes'): intended, "
                + "not duplicates");
        }

        var sorted = new ArrayList<>(faults);
        sorted.sort((a, b) -> Long.compare(a.killedMillis(), b.killedMillis()));
        report.rows.add(report.row("(before the first fault)", null, images, outcomes, delivered, streamStart,
            sorted.isEmpty() ? Long.MAX_VALUE : sorted.get(0).killedMillis(), streamStart));
        for (int i = 0; i < sorted.size(); i++) {
            var fault = sorted.get(i);
            long until = i + 1 < sorted.size() ? sorted.get(i + 1).killedMillis() : Long.MAX_VALUE;
            report.rows.add(report.row(fault.target(), fault, images, outcomes, delivered, fault.killedMillis(), until, streamStart));
            if (!fault.note().isEmpty()) {
                report.notes.add(0, fault.target() + ": " + fault.note());
            }
        }
        report.total = report.row("all", null, images, outcomes, delivered, 0, Long.MAX_VALUE, streamStart);
        report.latencies = latencyLine(images, outcomes);

        for (var recipe : recipeDrops) {
            String outcome = recipe.accepted() ? index.recipeOutcome(recipe.id) : null;
            var models = recipe.accepted() ? index.modelsByScript.getOrDefault(recipe.id, List.of()) : List.<TopicRecorder.Seen>of();
            report.recipes.add(String.format(Locale.ROOT, "%s: %s%s; %s; model records %d (distinct %d)", recipe.name, recipe.result,
                recipe.id == null ? "" : " as " + recipe.id, outcome == null ? "NO OUTCOME" : outcome, models.size(),
                models.stream().map(TopicRecorder.Seen::id).distinct().count()));
            if (recipe.accepted() && (outcome == null || outcome.startsWith("serve dead letter"))) {
                report.failures.add("recipe " + recipe.name + " ended in " + (outcome == null ? "nothing" : outcome)
                    + ", not a served model or a learn dead letter");
            }
        }
        for (var fault : faults) {
            if (fault.problem() != null) {
                report.failures.add(fault.problem());
            }
            if ("learn".equals(fault.target()) && fault.note().contains("before its model was published") && recipeDrops.size() > 1) {
                var second = recipeDrops.get(1);
                boolean retrained = index.modelsByScript.getOrDefault(second.id, List.of()).stream()
                    .anyMatch(m -> m.timestamp() >= fault.readyMillis() - 1000);
                report.notes.add(0, "learn retrained the second recipe after its restart: " + (retrained ? "yes" : "NO"));
                if (!retrained) {
                    report.failures.add("learn, killed while working on the second recipe, did not retrain it after its restart");
                }
            }
        }
        long sent = images.size();
        long acceptedOrRightlyRefused = images.stream().filter(d -> d.accepted()
            || d.expectDeadLetter && d.result == DropClient.Result.REFUSED).count();
        long gaveUp = images.stream().filter(d -> d.result == DropClient.Result.GAVE_UP).count();
        long goodRefused = images.stream().filter(d -> !d.expectDeadLetter && d.result == DropClient.Result.REFUSED).count();
        report.notes.add(0, String.format(Locale.ROOT, "acceptance: %d of %d image drops accepted (or, bad pictures, refused at the"
            + " door); %d good pictures refused, %d given up by the client", acceptedOrRightlyRefused, sent, goodRefused, gaveUp));
        if (acceptedOrRightlyRefused < Math.ceil(MIN_ACCEPTANCE * sent)) {
            report.failures.add(String.format(Locale.ROOT, "only %d of %d image drops were accepted (%d good pictures refused, %d given"
                + " up by the client); at least %.0f%% must be", acceptedOrRightlyRefused, sent, goodRefused, gaveUp,
                MIN_ACCEPTANCE * 100));
        }
        long recipesAccepted = recipeDrops.stream().filter(DropClient.Drop::accepted).count();
        if (recipesAccepted < Math.ceil(MIN_ACCEPTANCE * recipeDrops.size())) {
            report.failures.add("only " + recipesAccepted + " of " + recipeDrops.size() + " recipe drops were accepted; at least "
                + Math.round(MIN_ACCEPTANCE * 100) + "% must be");
        }
        for (var row : report.rows) {
            if (IN_FLIGHT_TARGETS.contains(PipelineProcesses.serviceOf(row.fault())) && row.inFlight() < minInFlight(options)) {
                report.failures.add("the kill of " + row.fault() + " hit " + row.inFlight() + " pictures in flight; at least "
                    + minInFlight(options) + " must be");
            }
        }
        if (faults.size() != expectedFaults(options)) {
            report.failures.add("only " + faults.size() + " of " + expectedFaults(options) + " faults struck");
        }
        if (report.total.lost() > 0) {
            report.failures.add(report.total.lost() + " accepted drops lost");
        }
        if (report.total.deliveredDuplicates() > 0) {
            report.failures.add(report.total.deliveredDuplicates() + " duplicates delivered to users");
        }
        if (notLive > 0) {
            report.failures.add(notLive + " predictions made by a model version that was not live while their image was on its way");
        }
        if (unexpected > 0) {
            report.failures.add(unexpected + " drops ended otherwise than expected (a good picture dead-lettered, or a bad one predicted)");
        }
        if (apiWrong > 0) {
            report.failures.add(apiWrong + " images for which GET /v1/predictions/{id} does not answer the outcome at the end");
        }
        report.notes.add(String.format(Locale.ROOT, "GET /v1/predictions/{id}: final answers match the topics for %d of %d accepted"
            + " images; after an image's prediction had been answered, %s", outcomes.size() - apiWrong, outcomes.size(),
            regressionsText(apiRegressions)));
        wrongAgain(apiRegressions, options.replicas()).ifPresent(report.failures::add);
        report.notes.add(String.format(Locale.ROOT, "stream %.0f s, run %.0f s (pipeline start included)", (streamEnd - streamStart) / 1e3,
            wallSeconds));
        return report;
    }

    private Row row(String label, Chaos.Fault fault, List<DropClient.Drop> images, Map<String, ImageOutcome> outcomes,
            Map<String, String> delivered, long from, long until, long streamStart) {
        int sent = 0;
        int accepted = 0;
        int refused = 0;
        int gaveUp = 0;
        int predicted = 0;
        int dead = 0;
        int lost = 0;
        int dups = 0;
        int deliveredDups = 0;
        int late = 0;
        int inFlight = 0;
        var latencies = new ArrayList<Long>();
        for (var drop : images) {
            if (fault != null && drop.accepted() && drop.dueMillis <= fault.killedMillis()) {
                var o = outcomes.get(drop.id);
                if (o.firstMillis() == 0 || o.firstMillis() > fault.killedMillis()) {
                    inFlight++;
                }
            }
            if (drop.dueMillis < from || drop.dueMillis >= until) {
                continue;
            }
            sent++;
            switch (drop.result) {
                case REFUSED -> refused++;
                case GAVE_UP -> gaveUp++;
                default -> accepted++;
            }
            if (!drop.accepted()) {
                continue;
            }
            var o = outcomes.get(drop.id);
            if (!o.predictionIds().isEmpty()) {
                predicted++;
            } else if (!o.deadLetters().isEmpty()) {
                dead++;
            } else {
                lost++;
            }
            dups += o.topicDuplicates();
            deliveredDups += delivered.containsKey(drop.id) ? 1 : 0;
            if (o.firstMillis() > 0) {
                long latency = o.firstMillis() - drop.dueMillis;
                latencies.add(latency);
                late += latency > options.lateBound().toMillis() ? 1 : 0;
            }
        }
        String at = fault == null ? "" : String.format(Locale.ROOT, "%.1f", (fault.killedMillis() - streamStart) / 1e3);
        String down = fault == null ? "" : String.format(Locale.ROOT, "%.1f", (fault.readyMillis() - fault.killedMillis()) / 1e3);
        return new Row(label, at, down, inFlight, sent, accepted, refused, gaveUp, predicted, dead, lost, dups, deliveredDups, late,
            latencySummary(latencies));
    }

    private static String latencySummary(List<Long> latencies) {
        if (latencies.isEmpty()) {
            return "-";
        }
        var sorted = latencies.stream().sorted().toList();
        return String.format(Locale.ROOT, "%.1f / %.1f / %.1f", percentile(sorted, 50) / 1e3, percentile(sorted, 99) / 1e3,
            sorted.get(sorted.size() - 1) / 1e3);
    }

    private static String latencyLine(List<DropClient.Drop> images, Map<String, ImageOutcome> outcomes) {
        var sorted = images.stream().filter(DropClient.Drop::accepted).map(d -> outcomes.get(d.id)).filter(o -> o.firstMillis() > 0)
            .map(ImageOutcome::firstMillis).toList();
        var latencies = new ArrayList<Long>();
        for (var drop : images) {
            if (drop.accepted() && outcomes.get(drop.id).firstMillis() > 0) {
                latencies.add(outcomes.get(drop.id).firstMillis() - drop.dueMillis);
            }
        }
        if (sorted.isEmpty()) {
            return "no outcomes";
        }
        latencies.sort(Long::compare);
        return String.format(Locale.ROOT, "drop (due) to outcome record, s: min %.2f, p50 %.2f, p90 %.2f, p99 %.2f, max %.2f (%d outcomes)",
            latencies.get(0) / 1e3, percentile(latencies, 50) / 1e3, percentile(latencies, 90) / 1e3, percentile(latencies, 99) / 1e3,
            latencies.get(latencies.size() - 1) / 1e3, latencies.size());
    }

    private static long percentile(List<Long> sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    /** Whether lost and delivered duplicates are 0, every recipe ended well, every fault struck, and the API agrees. */
    public boolean passed() {
        return failures.isEmpty();
    }

    /** What failed, empty when passed. */
    public List<String> failures() {
        return List.copyOf(failures);
    }

    /** Accepted drops with no outcome. */
    public int lost() {
        return total.lost();
    }

    /** Duplicates delivered to users (see the class comment). */
    public int duplicatesDelivered() {
        return total.deliveredDuplicates();
    }

    /** The seed of the run. */
    public long seed() {
        return options.seed();
    }

    /** The per-fault table as plain text, with the notes. */
    public String text() {
        var out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "chaos: seed %d; %s; %s%n", options.seed(), options.replicas() > 1 ? options.replicas()
            + " replicas of every service, file-drop's alternating" : "one process per service", machine.strip()));
        String format = "%-26s %6s %6s %7s %5s %6s %5s %5s %6s %5s %4s %7s %7s %4s  %s%n";
        out.append(String.format(Locale.ROOT, format, "fault (SIGKILL+restart)", "at s", "down s", "inflight", "sent", "accept", "refus",
            "gaveup", "predic", "dead", "lost", "dupTopic", "dupUser", "late", "latency p50/p99/max s"));
        for (var row : rows) {
            out.append(String.format(Locale.ROOT, format, row.fault(), row.at(), row.down(), row.inFlight(), row.sent(), row.accepted(),
                row.refused(), row.gaveUp(), row.predicted(), row.deadLettered(), row.lost(), row.topicDuplicates(),
                row.deliveredDuplicates(), row.late(), row.latency()));
        }
        var t = total;
        out.append(String.format(Locale.ROOT, format, "all", "", "", "", t.sent(), t.accepted(), t.refused(), t.gaveUp(), t.predicted(),
            t.deadLettered(), t.lost(), t.topicDuplicates(), t.deliveredDuplicates(), t.late(), t.latency()));
        out.append("latency: ").append(latencies).append('\n');
        out.append("dead letters by reason: ").append(deadLetterReasons).append('\n');
        out.append("records (duplicates) per topic: ");
        topicDuplicates.forEach((topic, n) -> out.append(topic.replace("tf-fashion.", "")).append(' ').append(n[0]).append(" (")
            .append(n[1]).append(") "));
        out.append('\n');
        recipes.forEach(r -> out.append("recipe ").append(r).append('\n'));
        notes.stream().limit(40).forEach(n -> out.append("note: ").append(n).append('\n'));
        out.append(failures.isEmpty() ? "chaos: PASSED\n" : "chaos: FAILED: " + failures + "\n");
        return out.toString();
    }

    /** The Faults section's body as Markdown. */
    public String markdown() {
        var out = new StringBuilder();
        out.append(machine).append('\n');
        out.append(String.format(Locale.ROOT, "Seed %d (`bin/chaos --seed %d` repeats the plan; timings vary). %d image drops over %d s"
            + " (%d of them blank or cut-off pictures that must dead-letter) and %d recipe drops (samples/recipes/quick.yaml, seeds 42"
            + " and 7). Run wall time %.0f s. Late = outcome more than %d s after the drop was due.%n%n", options.seed(), options.seed(),
            options.images(), options.stream().toSeconds(), options.badImages(), recipes.size(), wallSeconds,
            options.lateBound().toSeconds()));
        out.append("| fault (SIGKILL, restart) | at s | down s | in flight at kill | drops sent | accepted | refused (4xx) | gave up"
            + " | predictions | dead letters | lost | duplicates on topics | duplicates delivered to users | late"
            + " | latency p50 / p99 / max s |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (var row : rows) {
            out.append(markdownRow(row));
        }
        out.append(markdownRow(total).replace("| all |", "| **all** |"));
        out.append('\n').append("Latency, ").append(latencies).append(".\n\n");
        out.append("Dead letters by reason: ");
        deadLetterReasons.forEach((reason, n) -> out.append('`').append(reason).append("` ").append(n).append("; "));
        out.append("\n\nRecords on each topic (of them duplicates, same value id, dropped by consumers): ");
        topicDuplicates.forEach((topic, n) -> out.append('`').append(topic).append("` ").append(n[0]).append(" (").append(n[1])
            .append("); "));
        out.append("\n\nRecipes:\n\n");
        recipes.forEach(r -> out.append("- ").append(r).append('\n'));
        out.append("\nNotes:\n\n");
        notes.stream().limit(30).forEach(n -> out.append("- ").append(n).append('\n'));
        out.append('\n').append(failures.isEmpty() ? "Result: **passed** (lost 0, duplicates delivered to users 0).\n"
            : "Result: **failed**: " + String.join("; ", failures) + ".\n");
        return out.toString();
    }

    private static String markdownRow(Row r) {
        return String.format(Locale.ROOT, "| %s | %s | %s | %s | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %s |%n", r.fault(),
            r.at(), r.down(), r.fault().equals("all") || r.at().isEmpty() ? "" : Integer.toString(r.inFlight()), r.sent(), r.accepted(),
            r.refused(), r.gaveUp(), r.predicted(), r.deadLettered(), r.lost(), r.topicDuplicates(), r.deliveredDuplicates(), r.late(),
            r.latency());
    }

    /** Date, commit, cores, CPU, memory, Java and load of this machine. */
    static String machine() throws IOException, InterruptedException {
        var cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
            .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        var mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal")).findFirst()
            .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024 / 1024 + " GiB").orElse("unknown");
        var load = Files.readString(Path.of("/proc/loadavg")).trim();
        var git = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
        var commit = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        git.waitFor();
        var fields = new LinkedHashMap<String, String>();
        fields.put("Run", Instant.now().toString());
        fields.put("commit", commit + " (plus uncommitted changes, if any)");
        fields.put("machine", Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + mem + ", Java "
            + System.getProperty("java.version"));
        fields.put("load average at start", load);
        var out = new StringBuilder();
        fields.forEach((k, v) -> out.append(out.length() == 0 ? "" : "; ").append(k).append(' ').append(v));
        return out.append(".\n").toString();
    }
}
