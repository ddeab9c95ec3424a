package dev.tffashion.e2e.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The cold start's second table: each sampled process's compiler CPU per picture of each block, from that block's window. */
class ColdCompilersTest {

    @Test
    void eachBlockRowDividesEachProcesssCompilerCpuByItsPictures() {
        var blocks = List.of(new ColdBlocks.Block(0, 4, 1_000, 1_400, 0, 0), new ColdBlocks.Block(4, 2, 1_400, 1_600, 0, 0));
        var windows = List.of(window(Map.of("kafka", 8_000_000L, "predict", 2_000_000L)),
            window(Map.of("kafka", 1_000_000L, "predict", 0L)));
        String table = Bench.coldCompilers(blocks, windows);
        String n = System.lineSeparator();
        assertEquals(n + "Of it, each process's JIT compiler threads (C1 and C2, from /proc/PID/task), per picture of the block:" + n + n
            + "| pictures | kafka | predict |" + n + "|---|---|---|" + n
            + "| 1-4 | 2.000 ms | 0.500 ms |" + n
            + "| 5-6 | 0.500 ms | 0.000 ms |" + n, table);
    }

    @Test
    void noWindowsNoTable() {
        assertEquals("", Bench.coldCompilers(List.of(), List.of()));
    }

    private static Cpu.Window window(Map<String, Long> jit) {
        var ordered = new LinkedHashMap<String, Long>();
        jit.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> ordered.put(e.getKey(), e.getValue()));
        return new Cpu.Window(Map.of(), 0, 0, ordered);
    }
}
