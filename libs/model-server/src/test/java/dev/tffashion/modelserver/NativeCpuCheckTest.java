package dev.tffashion.modelserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The AVX check reads /proc/cpuinfo flags and names the fix when AVX is missing. */
class NativeCpuCheckTest {

    private static final String WITH_AVX = """
        processor\t: 0
        model name\t: AMD EPYC 7B13
        flags\t\t: fpu vme sse sse2 ssse3 sse4_1 sse4_2 avx avx2 fma
        """;
    private static final String WITHOUT_AVX = """
        processor\t: 0
        model name\t: QEMU Virtual CPU version 2.5+
        flags\t\t: fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov sse sse2 ssse3 sse4_1 sse4_2
        """;

    @Test
    void acceptsACpuWithAvx() {
        assertEquals(Optional.empty(), NativeCpuCheck.problem("amd64", WITH_AVX));
    }

    @Test
    void refusesACpuWithoutAvxNamingTheFix() {
        String message = NativeCpuCheck.problem("amd64", WITHOUT_AVX).orElseThrow();
        assertTrue(message.contains("AVX"), message);
        assertTrue(message.contains("QEMU Virtual CPU"), message);
        assertTrue(message.contains("-cpu host"), message);
    }

    @Test
    void doesNotJudgeOtherArchitecturesOrUnreadableInfo() {
        assertEquals(Optional.empty(), NativeCpuCheck.problem("aarch64", WITHOUT_AVX));
        assertEquals(Optional.empty(), NativeCpuCheck.problem("amd64", ""));
    }

    @Test
    void thisMachineCanRunTensorFlow() {
        NativeCpuCheck.requireSupportedCpu();
    }
}
