package dev.tffashion.learn.python;

import dev.tffashion.learn.EpochSummary;
import dev.tffashion.learn.ProgressListener;
import dev.tffashion.learn.TrainingProgress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a training script's output line by line: keeps the last lines for error messages and turns Keras' epoch lines
 * ({@code Epoch 3/10}, then {@code ... loss: 0.31 - accuracy: 0.89}) into progress and history.
 */
public final class KerasLog {

    private static final Pattern EPOCH = Pattern.compile("Epoch (\\d+)/(\\d+)");
    private static final Pattern LOSS = Pattern.compile("\\bloss: ([0-9.eE+-]+)");
    private static final Pattern ACCURACY = Pattern.compile("\\b(?:accuracy|acc): ([0-9.eE+-]+)");
    private static final int TAIL = 30;

    private final ProgressListener listener;
    private final long started = System.nanoTime();
    private final Deque<String> tail = new ArrayDeque<>();
    private final List<EpochSummary> history = new ArrayList<>();
    private int epoch;
    private int epochs;
    private boolean reported = true;

    public KerasLog(ProgressListener listener) {
        this.listener = listener;
    }

    /** Takes one line of output. */
    public synchronized void accept(String line) {
        String text = line.length() > 2000 ? line.substring(line.length() - 2000) : line;
        tail.addLast(text);
        if (tail.size() > TAIL) {
            tail.removeFirst();
        }
        Matcher epochMatcher = EPOCH.matcher(text);
        if (epochMatcher.find()) {
            epoch = Integer.parseInt(epochMatcher.group(1));
            epochs = Integer.parseInt(epochMatcher.group(2));
            reported = false;
        }
        Double loss = last(LOSS, text);
        if (loss != null && epoch > 0 && !reported) {
            Double accuracy = last(ACCURACY, text);
            double seconds = (System.nanoTime() - started) / 1e9;
            history.add(new EpochSummary(epoch, loss, accuracy == null ? Double.NaN : accuracy, seconds));
            reported = true;
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            Duration eta = Duration.ofNanos((long) ((double) elapsed.toNanos() / epoch * Math.max(0, epochs - epoch)));
            listener.onProgress(new TrainingProgress(epoch, epochs, epoch, epochs, loss, accuracy == null ? Double.NaN : accuracy,
                elapsed, eta, true));
        }
    }

    private static Double last(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        Double value = null;
        while (matcher.find()) {
            try {
                value = Double.parseDouble(matcher.group(1));
            } catch (NumberFormatException e) {
                value = null;
            }
        }
        return value;
    }

    /** The epochs seen so far. */
    public synchronized List<EpochSummary> history() {
        return List.copyOf(history);
    }

    /** The last lines of output, joined. */
    public synchronized String tail() {
        return String.join("\n", tail);
    }
}
