package dev.tffashion.servemanager.leader;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link KafkaLeaderElector} in a JVM of its own, so a test can kill it with {@code kill -9} as a leader would die. It prints
 * {@value #LEADING} when it leads and runs until killed. {@link #start} launches it with the test's class path.
 */
public final class ElectorProcess {

    /** Printed when the elector leads. */
    public static final String LEADING = "LEADING";

    private ElectorProcess() {
    }

    public static void main(String[] args) throws InterruptedException {
        String bootstrap = args[0];
        KafkaLeaderElector elector = new KafkaLeaderElector(Map.of("bootstrap.servers", bootstrap), args[1], args[2], args[3],
                Duration.ofSeconds(6), (short) 1, new LeadershipListener() {
                    @Override
                    public void started() {
                        System.out.println(LEADING);
                        System.out.flush();
                    }

                    @Override
                    public void stopped() {
                        System.out.println("STOPPED");
                        System.out.flush();
                    }
                });
        elector.start();
        Thread.currentThread().join();
    }

    /** A running elector process and the future that completes when it prints {@value #LEADING}. */
    public record Running(Process process, CompletableFuture<Void> leading, List<String> output) {

        /** Kills the process with SIGKILL ({@code kill -9}) and waits until it is gone. */
        public void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Starts an elector process with the current class path. */
    public static Running start(String bootstrap, String topic, String group, String identity) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), ElectorProcess.class.getName(), bootstrap, topic, group, identity);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<Void> leading = new CompletableFuture<>();
        List<String> output = Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    output.add(line);
                    if (line.equals(LEADING)) {
                        leading.complete(null);
                    }
                }
            } catch (IOException e) {
                leading.completeExceptionally(e);
            }
            leading.completeExceptionally(new IllegalStateException("the elector process ended before it led: " + output));
        }, "elector-process-output");
        reader.setDaemon(true);
        reader.start();
        return new Running(process, leading, output);
    }
}
