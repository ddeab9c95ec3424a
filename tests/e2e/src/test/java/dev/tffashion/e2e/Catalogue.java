package dev.tffashion.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The rows of the bad input catalogue as measured (case, how it was delivered, what was expected, what was seen), as text and markdown. */
public final class Catalogue {

    /** What a case led to: passed (as expected), failed, or skipped (not run, with the reason; never counted as passed). */
    public record Observed(String text, Verdict verdict) {

        public Observed(String text, boolean pass) {
            this(text, pass ? Verdict.PASSED : Verdict.FAILED);
        }

        public static Observed pass(String text) {
            return new Observed(text, Verdict.PASSED);
        }

        public static Observed fail(String text) {
            return new Observed(text, Verdict.FAILED);
        }

        public static Observed skipped(String why) {
            return new Observed(why, Verdict.SKIPPED);
        }

        public boolean pass() {
            return verdict == Verdict.PASSED;
        }

        public boolean failed() {
            return verdict == Verdict.FAILED;
        }
    }

    /** A case's verdict. */
    public enum Verdict {
        PASSED, FAILED, SKIPPED
    }

    /** One measured case. */
    public record Row(String group, String name, String deliveredAs, String expected, Observed observed) {
    }

    private final List<Row> rows = new CopyOnWriteArrayList<>();

    /** Adds a measured row and returns it. */
    public Row add(String group, String name, String deliveredAs, String expected, Observed observed) {
        var row = new Row(group, name, deliveredAs, expected, observed);
        rows.add(row);
        System.out.printf("bad-input: [%s] %s: %s -> %s%n", label(observed), name, expected, observed.text());
        return row;
    }

    /** The rows of a group that failed (skipped rows are not failures, and not passes either). */
    public List<Row> failures(String group) {
        return rows.stream().filter(r -> r.group().equals(group) && r.observed().failed()).toList();
    }

    /** "N passed, N failed, N skipped" over every row. */
    public String counts() {
        long passed = rows.stream().filter(r -> r.observed().verdict() == Verdict.PASSED).count();
        long failed = rows.stream().filter(r -> r.observed().verdict() == Verdict.FAILED).count();
        long skipped = rows.stream().filter(r -> r.observed().verdict() == Verdict.SKIPPED).count();
        return passed + " passed, " + failed + " failed, " + skipped + " skipped";
    }

    private static String label(Observed observed) {
        return switch (observed.verdict()) {
            case PASSED -> "pass";
            case FAILED -> "FAIL";
            case SKIPPED -> "skip";
        };
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    /** The table as fixed-width text. */
    public String text() {
        int[] width = {4, 12, 8, 8};
        for (var r : rows) {
            width[0] = Math.max(width[0], r.name().length());
            width[1] = Math.max(width[1], r.deliveredAs().length());
            width[2] = Math.max(width[2], Math.min(60, r.expected().length()));
        }
        var format = "%-" + width[0] + "s  %-" + width[1] + "s  %-" + width[2] + "s  %-4s  %s%n";
        var out = new StringBuilder(String.format(format, "case", "delivered as", "expected", "pass", "observed"));
        for (var r : rows) {
            out.append(String.format(format, r.name(), r.deliveredAs(), r.expected(), label(r.observed()), r.observed().text()));
        }
        return out.toString();
    }

    /** The table as markdown. */
    public String markdown() {
        var out = new StringBuilder("| case | delivered as | expected | observed | pass |\n|---|---|---|---|---|\n");
        for (var r : rows) {
            out.append("| ").append(cell(r.name())).append(" | ").append(cell(r.deliveredAs())).append(" | ").append(cell(r.expected()))
                .append(" | ").append(cell(r.observed().text())).append(" | ").append(switch (r.observed().verdict()) {
                    case PASSED -> "yes";
                    case FAILED -> "**no**";
                    case SKIPPED -> "skipped";
                }).append(" |\n");
        }
        out.append("\n").append(rows.size()).append(" cases: ").append(counts()).append(".\n");
        return out.toString();
    }

    /** Writes the markdown table. */
    public void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, markdown(), StandardCharsets.UTF_8);
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ").replace("\r", " ");
    }
}
