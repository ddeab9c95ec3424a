package dev.tffashion.e2e.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** The bench's CPU readings from /proc, on this test's own JVM, whose compilers are busy compiling the test framework. */
class CpuTest {

    private static final String SELF = "self";

    @Test
    void theJitCompilersOfAProcessAreFoundAndAreAPartOfItsCpu() throws Exception {
        var cpu = new Cpu(Map.of(SELF, ProcessHandle.current().pid()));
        var start = cpu.snapshot();
        assertTrue(start.jitNanos().get(SELF) > 0, "this JVM's C1/C2 compiler threads have used CPU since it started: "
            + start.jitNanos());
        assertTrue(start.jitNanos().get(SELF) <= start.cpuNanos().get(SELF), "the compilers are a part of the process's CPU: "
            + start.jitNanos() + " of " + start.cpuNanos());
        long sum = 0;
        long until = System.nanoTime() + 300_000_000L;
        while (System.nanoTime() < until) {
            sum += Long.toString(sum).hashCode();
        }
        var window = Cpu.between(start, cpu.snapshot());
        assertTrue(window.cpuNanos().get(SELF) > 0, "300 ms of work is CPU of this process: " + window + " " + sum);
        assertTrue(window.pipelineJitNanos() <= window.pipelineNanos(), "the window's compilers are a part of its CPU: " + window);
        assertEquals(window.jitNanos().get(SELF), window.pipelineJitNanos(), "one process: its compilers are all of them");
    }

    @Test
    void aProcessThatIsGoneReadsZeroAndAWindowNeverGoesNegative() {
        var cpu = new Cpu(Map.of("gone", Long.MAX_VALUE));
        var snapshot = cpu.snapshot();
        assertEquals(0L, snapshot.cpuNanos().get("gone"));
        assertEquals(0L, snapshot.jitNanos().get("gone"));
        var window = Cpu.between(snapshot, cpu.snapshot());
        assertEquals(0L, window.pipelineNanos());
        assertEquals(0L, window.pipelineJitNanos());
    }
}
