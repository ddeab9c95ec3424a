package dev.tffashion.e2e.chaos;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import javax.imageio.ImageIO;

import dev.tffashion.e2e.Jsons;
import dev.tffashion.e2e.PipelineProcesses;
import dev.tffashion.e2e.TestImages;
import dev.tffashion.e2e.TopicRecorder;

/**
 * The fault run behind {@code bin/chaos} and FaultIT: starts its own pipeline (kafka-local and the five packaged services as
 * processes), streams image drops (Fashion-MNIST test PNGs, plus pictures that must dead-letter) and two recipe drops through
 * file-drop's HTTP API as a retrying user would, kills each service once with SIGKILL at a seeded random moment and restarts
 * it, kills and restarts the broker once in the middle, then waits for every accepted drop's outcome and counts lost,
 * duplicated and late values per fault ({@link Report}). Reads every tf-fashion.* topic; sends only to 127.0.0.1; every load
 * is bounded in count and time.
 */
public final class Chaos {

    static final String PREDICTIONS = "tf-fashion.predict.prediction";
    static final String TENSORS = "tf-fashion.imageConvert.tensor";
    static final String IMAGES = "tf-fashion.imageInput.droppedFile";
    static final String SCRIPTS = "tf-fashion.scriptInput.droppedFile";
    static final String MODELS = "tf-fashion.learn.model";
    static final String ENDPOINTS = "tf-fashion.serve.endpoint";
    static final String CONVERT_DLQ = "tf-fashion.imageConvert.dlq";
    static final String PREDICT_DLQ = "tf-fashion.predict.dlq";
    static final String LEARN_DLQ = "tf-fashion.learn.dlq";
    static final String SERVE_DLQ = "tf-fashion.serve.dlq";
    static final String STATUS = "tf-fashion.status";

    /**
     * What to run.
     *
     * @param seed         seeds the fault plan, the bad pictures' places and the test images chosen
     * @param images       image drops in the stream (bad ones included)
     * @param badImages    of them, pictures that file-drop should accept and imageConvert dead-letter (blank, or PNG without its end)
     * @param stream       how long the stream of image drops lasts
     * @param lateBound    an outcome later than this after its drop was due counts as late
     * @param drainTimeout how long to wait, after the stream and the faults, for the outcomes of every accepted drop
     */
    public record Options(long seed, int images, int badImages, Duration stream, Duration lateBound, Duration drainTimeout,
            int replicas) {

        /** One process per service: each service, and the broker, is killed. */
        public Options(long seed, int images, int badImages, Duration stream, Duration lateBound, Duration drainTimeout) {
            this(seed, images, badImages, stream, lateBound, drainTimeout, 1);
        }

        public Options {
            if (replicas < 1 || replicas > 4) {
                throw new IllegalArgumentException("replicas must be from 1 to 4, not " + replicas);
            }
        }

        /** 500 images (10 bad) over 120 s, late after 60 s, 3 minutes to drain. */
        public static Options defaults(long seed) {
            return new Options(seed, 500, 10, Duration.ofSeconds(120), Duration.ofSeconds(60), Duration.ofMinutes(3));
        }

        /**
         * The scale run: {@code replicas} of every service (serve-managers as leader and standby), 2000 images (20 bad) over
         * 240 s; one replica of each service is killed (the serve-manager that leads), the broker is not.
         */
        public static Options scale(long seed, int replicas) {
            return new Options(seed, 2000, 20, Duration.ofSeconds(240), Duration.ofSeconds(60), Duration.ofMinutes(4), replicas);
        }

        /** The same run with another load: {@code images} drops (a hundredth of them bad, at most 20) over {@code stream}. */
        public Options withLoad(int images, Duration stream) {
            return new Options(seed, images, Math.min(badImages, Math.max(1, images / 100)), stream, lateBound, drainTimeout, replicas);
        }
    }

    /**
     * A fault as it happened: target, how, when it struck and when the target was ready again (epoch ms), what it hit, and what
     * went wrong around it that the drops' outcomes cannot show (null when nothing did).
     */
    record Fault(String target, String how, long killedMillis, long readyMillis, String note, String problem) {
        Fault(String target, String how, long killedMillis, long readyMillis, String note) {
            this(target, how, killedMillis, readyMillis, note, null);
        }
    }

    /**
     * The longest one readiness request may take with the broker down. Kubernetes gives a probe 1 s unless told otherwise
     * (timeoutSeconds); this run allows more for a loaded machine, and far less than the 60 s that Quarkus's own Kafka check
     * once took to answer without a broker (docs/deploy.md).
     */
    static final Duration READINESS_ANSWER = Duration.ofSeconds(5);

    /** How soon after the broker's kill every service must answer its readiness with 503, so that no traffic is sent to it. */
    static final Duration READINESS_NOTICE = Duration.ofSeconds(10);

    /** The longest a service is frozen before its kill, waiting for pictures to pile up in flight. */
    private static final Duration FREEZE_LIMIT = Duration.ofSeconds(30);

    /**
     * The consumer session of every service, as shipped (a fault run does not set its own): short, so that a killed member's
     * partitions move on soon, and long enough for a frozen replica that owns one partition of three to gather the in-flight
     * minimum before its session ends.
     */
    static final Duration SESSION_TIMEOUT = PipelineProcesses.shippedKafkaDefault("session.timeout.ms");

    /** How often every service's consumers tell the group they are alive, as shipped. */
    private static final Duration HEARTBEAT_INTERVAL = PipelineProcesses.shippedKafkaDefault("heartbeat.interval.ms");

    /**
     * With replicas, the longest freeze: the frozen replica must die before its session ends, or the group hands its partitions to
     * another replica while it is still frozen, that replica drains the pile, and the kill hits nothing (seen: seed 992640). The
     * session counts from the last heartbeat before the freeze, so one heartbeat interval comes off, and 2 s more for a look at the
     * topics and the kill itself.
     */
    private static final Duration REPLICA_FREEZE_LIMIT = SESSION_TIMEOUT.minus(HEARTBEAT_INTERVAL).minusSeconds(2);

    private final Options options;
    private final Path root = PipelineProcesses.projectRoot();
    private final List<DropClient.Drop> imageDrops = new ArrayList<>();
    private final List<DropClient.Drop> recipeDrops = new CopyOnWriteArrayList<>();
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final List<Thread> restarts = new ArrayList<>();
    private final Map<String, Set<String>> apiAnswers = new ConcurrentHashMap<>();
    /** Per answered state ("loading", "unknown", "pending", ...): the images answered so after the API had answered their prediction. */
    private final Map<String, Map<String, Integer>> apiRegressions = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2)).build();
    private PipelineProcesses pipeline;
    private TopicLog topics;
    private DropClient client;
    private volatile boolean watching = true;

    private Chaos(Options options) {
        this.options = options;
    }

    /** Runs the faults against a pipeline of its own (under tests/e2e/target/chaos/) and returns the figures. */
    public static Report run(Options options) throws Exception {
        return new Chaos(options).execute();
    }

    /**
     * Options: --seed N (random), --images N (500; 2000 with replicas), --stream-seconds S (120; 240 with replicas), --replicas N
     * (1: every service and the broker killed; 2 to 4: that many replicas of every service, one replica of each killed, the
     * serve-manager that leads among them), --out FILE (docs/reliability.md), --no-doc.
     */
    public static void main(String[] args) {
        var given = new HashMap<String, String>();
        for (int i = 0; i < args.length; i++) {
            if ("--no-doc".equals(args[i])) {
                given.put("no-doc", "true");
            } else if (args[i].startsWith("--") && i + 1 < args.length) {
                given.put(args[i].substring(2), args[++i]);
            } else {
                System.err.println("usage: bin/chaos [--seed N] [--images N] [--stream-seconds S] [--replicas N]"
                    + " [--out docs/reliability.md] [--no-doc]");
                System.exit(2);
            }
        }
        int code;
        try {
            long seed = given.containsKey("seed") ? Long.parseLong(given.get("seed")) : System.nanoTime() % 1_000_000L;
            int replicas = Integer.parseInt(given.getOrDefault("replicas", "1"));
            var defaults = replicas > 1 ? Options.scale(Math.abs(seed), replicas) : Options.defaults(Math.abs(seed));
            int count = Integer.parseInt(given.getOrDefault("images", Integer.toString(defaults.images())));
            var options = new Options(defaults.seed(), count, Math.min(defaults.badImages(), count / 10), Duration.ofSeconds(
                Long.parseLong(given.getOrDefault("stream-seconds", Long.toString(defaults.stream().toSeconds())))),
                defaults.lateBound(), defaults.drainTimeout(), replicas);
            var report = run(options);
            System.out.println(report.text());
            if (!given.containsKey("no-doc") && replicas == 1) {
                var out = PipelineProcesses.projectRoot().resolve(given.getOrDefault("out", "docs/reliability.md"));
                ReliabilityDoc.writeFaults(out, report);
                System.out.println("chaos: wrote the Faults section of " + out);
            }
            code = report.passed() ? 0 : 1;
            if (!report.passed()) {
                System.out.println("chaos: FAILED: " + report.failures());
            }
        } catch (Exception | AssertionError e) {
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    private Report execute() throws Exception {
        System.out.printf("chaos: seed %d (rerun with -Dchaos.seed=%d or bin/chaos --seed %d)%n", options.seed(), options.seed(),
            options.seed());
        var random = new Random(options.seed());
        var plan = options.replicas() > 1 ? FaultPlan.ofReplicas(random, options.stream(), options.replicas())
            : FaultPlan.of(random, options.stream());
        System.out.println("chaos: plan " + plan.stream().map(p -> p.target() + "@" + p.at().toMillis() / 1000.0 + "s").toList());
        var images = TestImages.load();
        var machine = Report.machine();
        var work = Files.createDirectories(root.resolve("tests/e2e/target/chaos")).resolve("run-" + System.currentTimeMillis());
        long started = System.nanoTime();
        pipeline = PipelineProcesses.start(work, Map.of(), options.replicas());
        ExecutorService pool = Executors.newFixedThreadPool(32);
        Thread watcher = null;
        try {
            topics = new TopicLog(pipeline.bootstrap(), "tf-fashion");
            client = new DropClient(pipeline.fileDrops(), Duration.ofMinutes(3));
            var content = planDrops(random, images);
            long streamStart = System.currentTimeMillis();
            dropRecipe(42, streamStart);
            watcher = new Thread(this::watchApi, "chaos-api-watch");
            watcher.setDaemon(true);
            watcher.start();
            var dispatcher = new Thread(() -> dispatch(pool, content, streamStart), "chaos-dispatch");
            dispatcher.start();
            for (var planned : plan) {
                waitUntil(streamStart + planned.at().toMillis());
                strike(planned, streamStart);
            }
            dispatcher.join();
            for (var restart : restarts) {
                restart.join(PipelineProcesses.readyTimeout().toMillis() + 30_000);
            }
            pool.shutdown();
            if (!pool.awaitTermination(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("drops still unanswered 5 minutes after the stream");
            }
            long streamEnd = System.currentTimeMillis();
            drain(streamEnd);
            watching = false;
            watcher.join(10_000);
            // file-drop's index reads the topics with fetches of up to 100 ms (services/file-drop/DESIGN.md): the last outcomes
            // seen on Kafka reach its API that much later
            Thread.sleep(1000);
            var finalAnswers = finalSweep();
            var report = Report.build(options, machine, imageDrops, recipeDrops, faults, topics, apiAnswers, apiRegressions, finalAnswers,
                streamStart, streamEnd, (System.nanoTime() - started) / 1e9);
            System.out.println(report.text());
            return report;
        } finally {
            watching = false;
            pool.shutdownNow();
            if (topics != null) {
                topics.close();
            }
            pipeline.close();
            System.out.printf("chaos: logs of the processes in %s%n", work.resolve("logs"));
        }
    }

    /** The image drops in order, with their content: test PNGs, and bad pictures at seeded places. */
    private List<byte[]> planDrops(Random random, TestImages images) throws IOException {
        var bad = new HashSet<Integer>();
        while (bad.size() < options.badImages()) {
            bad.add(20 + random.nextInt(Math.max(1, options.images() - 20)));
        }
        int offset = random.nextInt(images.count());
        var content = new ArrayList<byte[]>();
        for (int i = 0; i < options.images(); i++) {
            int index = (offset + i) % images.count();
            boolean isBad = bad.contains(i);
            String name;
            byte[] bytes;
            if (!isBad) {
                name = "test-" + index + ".png";
                bytes = images.png(index);
            } else if (i % 2 == 0) {
                name = "blank-" + i + ".png";
                bytes = blank(40 + i % 7, 100 + i % 50);
            } else {
                name = "no-end-" + index + ".png";
                var png = images.png(index);
                bytes = Arrays.copyOf(png, png.length - 12);
            }
            imageDrops.add(new DropClient.Drop(i, "imageInput", name, "chaos-" + options.seed() + "-image-" + i, isBad));
            content.add(bytes);
        }
        return content;
    }

    private static byte[] blank(int side, int gray) throws IOException {
        var image = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        var values = new int[side * side];
        Arrays.fill(values, gray);
        image.getRaster().setPixels(0, 0, side, side, values);
        var out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private void dispatch(ExecutorService pool, List<byte[]> content, long streamStart) {
        double interval = (double) options.stream().toMillis() / imageDrops.size();
        for (int i = 0; i < imageDrops.size(); i++) {
            waitUntil(streamStart + (long) (i * interval));
            var drop = imageDrops.get(i);
            var bytes = content.get(i);
            drop.dueMillis = System.currentTimeMillis();
            pool.submit(() -> client.send(drop, bytes));
        }
    }

    private DropClient.Drop dropRecipe(int seed, long streamStart) throws IOException {
        var recipe = Files.readString(root.resolve("samples/recipes/quick.yaml"), StandardCharsets.UTF_8)
            .replace("seed: 42", "seed: " + seed);
        var drop = new DropClient.Drop(recipeDrops.size(), "scriptInput", "quick-seed-" + seed + ".yaml",
            "chaos-" + options.seed() + "-recipe-" + seed, false);
        recipeDrops.add(drop);
        client.send(drop, recipe.getBytes(StandardCharsets.UTF_8));
        System.out.printf("chaos: +%.1fs recipe %s: %s %s%n", (System.currentTimeMillis() - streamStart) / 1e3, drop.name, drop.result,
            drop.id);
        return drop;
    }

    /**
     * One fault: SIGKILL of the target by its handle, then its restart (the broker: same ports and data folder). With replicas,
     * the target is one replica: learn's that works on the second recipe, the serve-manager that leads, else the planned one.
     */
    private void strike(FaultPlan.Planned planned, long streamStart) throws Exception {
        String service = planned.target();
        String target = replicaName(service, planned.replica());
        String note = "";
        if ("learn".equals(service)) {
            note = learnBusyWithSecondRecipe(planned, streamStart);
            if (options.replicas() > 1) {
                target = learnWorkingOn(recipeDrops.get(recipeDrops.size() - 1).id).orElse(target);
                note += "; killed " + target;
            }
        }
        if ("serve-manager".equals(service) && options.replicas() > 1) {
            var leader = activeServeManager();
            target = leader.orElse(target);
            note = leader.isPresent() ? "killed the leader " + target : "no serve-manager reported active; killed " + target;
        }
        if (Report.IN_FLIGHT_TARGETS.contains(service)) {
            note = freezeUntilWorkPilesUp(target);
        }
        long killed = System.currentTimeMillis();
        pipeline.kill(target);
        System.out.printf("chaos: +%.1fs SIGKILL %s%s%n", (killed - streamStart) / 1e3, target, note.isEmpty() ? "" : " (" + note + ")");
        if (options.replicas() > 1) {
            // the other replicas carry on meanwhile: the next fault keeps its planned time instead of waiting for this restart
            String name = target;
            String told = note;
            var restart = new Thread(() -> restartAndRecord(name, killed, told, streamStart), "chaos-restart-" + name);
            restart.start();
            restarts.add(restart);
            return;
        }
        String problem = null;
        if (PipelineProcesses.BROKER.equals(target)) {
            var readiness = readinessWithoutBroker(killed);
            System.out.printf("chaos: +%.1fs %s%n", (System.currentTimeMillis() - streamStart) / 1e3, readiness.note());
            note = readiness.note();
            problem = readiness.problem();
        }
        pipeline.restart(target);
        long ready = System.currentTimeMillis();
        if (PipelineProcesses.BROKER.equals(target)) {
            pipeline.awaitAllReady();
            note = String.format("broker back after %.1f s, every service ready again after %.1f s; %s", (ready - killed) / 1e3,
                (System.currentTimeMillis() - killed) / 1e3, note);
        }
        faults.add(new Fault(target, "SIGKILL + restart", killed, ready, note, problem));
        System.out.printf("chaos: +%.1fs %s ready again, %.1f s after the kill%n", (ready - streamStart) / 1e3, target,
            (ready - killed) / 1e3);
    }

    /** What the services' readiness answered while the broker was down, and what was wrong with it (null when nothing). */
    private record Readiness(String note, String problem) {
    }

    /** One readiness answer: whether it was 503, and when it came. */
    private record ReadyAnswer(boolean notReady, long atMillis) {
    }

    /**
     * Right after the broker's kill, asks every service's {@code /q/health/ready} every 250 ms until each has answered 503 (a
     * probe then takes it out of its Service), for at most {@link #READINESS_NOTICE} after the kill. A problem: a service that
     * gave no answer within {@link #READINESS_ANSWER}, or still answered 200 at the end.
     */
    private Readiness readinessWithoutBroker(long killed) throws InterruptedException {
        var names = pipeline.names();
        var notReadyAfter = new LinkedHashMap<String, Long>();
        var slowest = new HashMap<String, Long>();
        var problems = new LinkedHashMap<String, String>();
        while (notReadyAfter.size() + problems.size() < names.size()
            && System.currentTimeMillis() - killed < READINESS_NOTICE.toMillis()) {
            // every service asked at once, so that one that does not answer delays nobody else's
            long asked = System.currentTimeMillis();
            var answers = new LinkedHashMap<String, CompletableFuture<ReadyAnswer>>();
            for (var name : names) {
                if (!notReadyAfter.containsKey(name) && !problems.containsKey(name)) {
                    answers.put(name, http.sendAsync(HttpRequest.newBuilder(pipeline.http(name).resolve("/q/health/ready"))
                        .timeout(READINESS_ANSWER).GET().build(), HttpResponse.BodyHandlers.discarding())
                        .thenApply(response -> new ReadyAnswer(response.statusCode() == 503, System.currentTimeMillis())));
                }
            }
            for (var answer : answers.entrySet()) {
                String name = answer.getKey();
                try {
                    ReadyAnswer answered = answer.getValue().get();
                    slowest.merge(name, answered.atMillis() - asked, Math::max);
                    if (answered.notReady()) {
                        notReadyAfter.put(name, answered.atMillis() - killed);
                    }
                } catch (ExecutionException e) {
                    problems.put(name, e.getCause() instanceof HttpTimeoutException
                        ? name + " gave no answer to /q/health/ready within " + READINESS_ANSWER.toSeconds()
                            + " s while the broker was down"
                        : name + " /q/health/ready failed while the broker was down: " + e.getCause());
                }
            }
            LockSupport.parkNanos(250_000_000L);
        }
        for (var name : names) {
            if (!notReadyAfter.containsKey(name) && !problems.containsKey(name)) {
                problems.put(name, name + " still answered /q/health/ready 200 " + READINESS_NOTICE.toSeconds()
                    + " s after the broker's kill");
            }
        }
        var seen = new ArrayList<String>();
        notReadyAfter.forEach((name, after) -> seen.add(String.format("%s 503 %.1f s after the kill (slowest answer %d ms)", name,
            after / 1e3, slowest.get(name))));
        String note = "readiness with the broker down: " + (seen.isEmpty() ? "no service answered 503" : String.join(", ", seen));
        return new Readiness(note, problems.isEmpty() ? null : String.join("; ", problems.values()));
    }

    /**
     * Freezes the target (SIGSTOP) until at least {@link Report#minInFlight} accepted pictures due since the freeze began have no
     * outcome, or {@link #FREEZE_LIMIT} passes ({@link #REPLICA_FREEZE_LIMIT} with replicas), so that its SIGKILL lands while work
     * is in flight; says how many were. Only pictures due since the freeze count: they cannot have passed the frozen service, so
     * the report counts them in flight at the kill too. A picture due before may be past it, waiting for the next hop: counted
     * here, it is predicted before the kill and the report does not count it (seen: seed 723261, while predict drained a backlog
     * after the broker's restart, 29 counted here and 4 by the report).
     */
    private String freezeUntilWorkPilesUp(String target) throws IOException, InterruptedException {
        long frozen = System.currentTimeMillis();
        long limit = (options.replicas() > 1 ? REPLICA_FREEZE_LIMIT : FREEZE_LIMIT).toMillis();
        pipeline.suspend(target);
        int inFlight = 0;
        while (System.currentTimeMillis() - frozen < limit) {
            var outcomes = Report.Index.of(topics);
            long now = System.currentTimeMillis();
            inFlight = (int) List.copyOf(imageDrops).stream()
                .filter(d -> d.dueMillis >= frozen && d.dueMillis <= now && d.accepted() && !outcomes.hasOutcome(d.id)).count();
            if (inFlight >= freezeGoal()) {
                break;
            }
            LockSupport.parkNanos(200_000_000L);
        }
        return String.format("frozen (SIGSTOP) %.1f s before its SIGKILL, until %d accepted pictures were in flight",
            (System.currentTimeMillis() - frozen) / 1e3, inFlight);
    }

    /**
     * How many pictures in flight end a freeze: more than {@link Report#minInFlight}, because the report counts them again after
     * the run from record timestamps. An outcome written just before the freeze may not have been read here yet, and the report
     * then finds it before the kill (seen: seed 995125, 20 counted here, 19 by the report); with replicas, the kill itself is
     * counted a moment later, when the other replica may have taken some over.
     */
    private int freezeGoal() {
        int min = Report.minInFlight(options);
        return options.replicas() > 1 ? min * 2 : min * 5 / 4;
    }

    /** Drops the second recipe, waits until learn reports it is working on it, then the plan's delay; says what learn was doing. */
    private String learnBusyWithSecondRecipe(FaultPlan.Planned planned, long streamStart) throws IOException {
        var recipe = dropRecipe(7, streamStart);
        if (!recipe.accepted()) {
            return "second recipe not accepted: " + recipe.result;
        }
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline && topics.of(STATUS, s -> isLearnWorkingOn(s, recipe.id)).isEmpty()) {
            LockSupport.parkNanos(20_000_000L);
        }
        LockSupport.parkNanos(planned.learnDelay().toNanos());
        boolean published = !topics.of(MODELS, m -> m.sourceIds("script").contains(recipe.id)).isEmpty();
        return published ? "learn had already published the second recipe's model" : String.format(
            "learn killed %.1f s after it started on the second recipe, before its model was published",
            planned.learnDelay().toMillis() / 1e3);
    }

    private void restartAndRecord(String target, long killed, String note, long streamStart) {
        try {
            pipeline.restart(target);
        } catch (IOException | RuntimeException e) {
            System.out.printf("chaos: restart of %s failed: %s%n", target, e);
            faults.add(new Fault(target, "SIGKILL, restart failed", killed, 0, note + "; restart failed: " + e.getMessage()));
            return;
        }
        long ready = System.currentTimeMillis();
        faults.add(new Fault(target, "SIGKILL + restart", killed, ready, note));
        System.out.printf("chaos: +%.1fs %s ready again, %.1f s after the kill%n", (ready - streamStart) / 1e3, target,
            (ready - killed) / 1e3);
    }

    private String replicaName(String service, int replica) {
        return replica <= 1 || PipelineProcesses.BROKER.equals(service) ? service : service + "-" + replica;
    }

    /** The learn replica whose newest status says it works on the recipe (status values name their instance). */
    private Optional<String> learnWorkingOn(String recipeId) {
        return newestStatusOf("learn").entrySet().stream().filter(e -> isLearnWorkingOn(e.getValue(), recipeId))
            .map(Map.Entry::getKey).findFirst();
    }

    /** The serve-manager replica whose newest status is {@code active} (the leader; the others report {@code standby}). */
    private Optional<String> activeServeManager() {
        return newestStatusOf("serve").entrySet().stream().filter(e -> "active".equals(e.getValue().value().path("state").asText()))
            .max(Comparator.comparingLong(e -> e.getValue().timestamp())).map(Map.Entry::getKey);
    }

    /** The newest status record of each replica of a task, by the instance the record names (a replica's process name). */
    private Map<String, TopicRecorder.Seen> newestStatusOf(String task) {
        var newest = new HashMap<String, TopicRecorder.Seen>();
        for (var status : topics.of(STATUS, s -> s.value() != null && task.equals(s.value().path("task").asText()))) {
            String instance = status.value().path("instance").asText("");
            if (pipeline.names().contains(instance)) {
                newest.merge(instance, status, (a, b) -> b.timestamp() >= a.timestamp() ? b : a);
            }
        }
        return newest;
    }

    private static boolean isLearnWorkingOn(TopicRecorder.Seen status, String recipeId) {
        var value = status.value();
        return value != null && "learn".equals(value.path("task").asText()) && "active".equals(value.path("state").asText())
            && recipeId.equals(value.path("details").path("valueId").asText());
    }

    /** Waits until every accepted image and recipe has an outcome on the topics, or the drain timeout passes. */
    private void drain(long streamEnd) {
        long deadline = streamEnd + options.drainTimeout().toMillis();
        while (System.currentTimeMillis() < deadline) {
            var outcomes = Report.Index.of(topics);
            boolean images = imageDrops.stream().filter(DropClient.Drop::accepted).allMatch(d -> outcomes.hasOutcome(d.id));
            boolean recipes = recipeDrops.stream().filter(DropClient.Drop::accepted).allMatch(d -> outcomes.recipeOutcome(d.id) != null);
            if (images && recipes) {
                System.out.printf("chaos: every accepted drop has its outcome %.1f s after the stream%n",
                    (System.currentTimeMillis() - streamEnd) / 1e3);
                return;
            }
            LockSupport.parkNanos(250_000_000L);
        }
        System.out.printf("chaos: drain timeout: some accepted drops have no outcome %d s after the stream%n",
            options.drainTimeout().toSeconds());
    }

    /** Asks GET /v1/predictions/{id} for every accepted image, over and over, and remembers which prediction ids it answered. */
    private void watchApi() {
        int round = 0;
        while (watching) {
            var fileDrops = pipeline.fileDrops();
            var base = fileDrops.get(round++ % fileDrops.size());
            for (var drop : List.copyOf(imageDrops)) {
                if (!watching) {
                    return;
                }
                if (!drop.accepted()) {
                    continue;
                }
                var answer = ask(base, drop.id);
                if (answer == null) {
                    continue;
                }
                var seen = apiAnswers.computeIfAbsent(drop.id, k -> ConcurrentHashMap.newKeySet());
                if (answer.startsWith("prediction:")) {
                    seen.add(answer.substring("prediction:".length()));
                } else if (!seen.isEmpty()) {
                    apiRegressions.computeIfAbsent(answer, k -> new ConcurrentHashMap<>()).merge(drop.id, 1, Integer::sum);
                }
            }
            LockSupport.parkNanos(1_000_000_000L);
        }
    }

    /**
     * The final answer of the API for every accepted image: prediction:ID, failed, or the 404 state; null when unreachable. With
     * several file-drop replicas each is asked, and an image they answer differently gets "replicas disagree: ...".
     */
    private Map<String, String> finalSweep() {
        var answers = new HashMap<String, String>();
        var fileDrops = pipeline.fileDrops();
        for (var drop : imageDrops) {
            if (drop.accepted()) {
                var each = fileDrops.stream().map(base -> ask(base, drop.id)).toList();
                answers.put(drop.id, each.stream().distinct().count() == 1 ? each.get(0) : "replicas disagree: " + each);
            }
        }
        return answers;
    }

    private String ask(URI base, String imageId) {
        try {
            var response = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/predictions/" + imageId))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            var body = Jsons.read(response.body());
            if (response.statusCode() == 200) {
                return "prediction:" + body.path("id").asText();
            }
            return body.path("state").asText("http-" + response.statusCode());
        } catch (IOException | IllegalArgumentException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static void waitUntil(long epochMillis) {
        long left;
        while ((left = epochMillis - System.currentTimeMillis()) > 0) {
            LockSupport.parkNanos(left * 1_000_000L);
        }
    }
}
