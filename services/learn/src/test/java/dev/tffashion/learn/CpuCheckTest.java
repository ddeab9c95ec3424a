package dev.tffashion.learn;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuCheckTest {

    @TempDir
    Path dir;

    @Test
    void acceptsACpuWithAvx() throws IOException {
        Path cpuinfo = Files.writeString(dir.resolve("cpuinfo"), "processor\t: 0\nflags\t\t: fpu sse2 avx avx2\n");
        assertDoesNotThrow(() -> CpuCheck.requireAvx(cpuinfo));
    }

    @Test
    void refusesACpuWithoutAvxAndNamesTheFix() throws IOException {
        Path cpuinfo = Files.writeString(dir.resolve("cpuinfo"), "processor\t: 0\nflags\t\t: fpu sse2 sse4_2 avx512_not_really\n");
        UnsupportedCpuException e = assertThrows(UnsupportedCpuException.class, () -> CpuCheck.requireAvx(cpuinfo));
        assertTrue(e.getMessage().contains("does not offer AVX"), e.getMessage());
        assertTrue(e.getMessage().contains("pass the host CPU through"), e.getMessage());
        assertTrue(e.getMessage().contains("host-passthrough"), e.getMessage());
    }

    @Test
    void cannotJudgeWithoutCpuinfo() {
        assertDoesNotThrow(() -> CpuCheck.requireAvx(dir.resolve("missing")));
    }
}
