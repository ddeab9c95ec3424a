package dev.tffashion.learn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * Refuses to start TensorFlow on a CPU without AVX: TensorFlow Java 1.1.0 (TensorFlow 2.18) is built for AVX and would
 * otherwise die with an illegal instruction. Reads the flags in {@code /proc/cpuinfo} before any native code loads.
 */
public final class CpuCheck {

    /** Where Linux lists the CPU flags. */
    public static final Path CPUINFO = Path.of("/proc/cpuinfo");

    private CpuCheck() {
    }

    /** Throws {@link UnsupportedCpuException} if {@code /proc/cpuinfo} exists and lists no {@code avx} flag. */
    public static void requireAvx() {
        requireAvx(CPUINFO);
    }

    /** As {@link #requireAvx()}, reading the given cpuinfo file (tests). */
    public static void requireAvx(Path cpuinfo) {
        problem(cpuinfo).ifPresent(problem -> {
            throw new UnsupportedCpuException(problem);
        });
    }

    /** Why TensorFlow cannot run here, or empty when it can (or when there is no cpuinfo to judge by). */
    public static Optional<String> problem(Path cpuinfo) {
        if (!Files.isReadable(cpuinfo)) {
            return Optional.empty();
        }
        String text;
        try {
            text = Files.readString(cpuinfo);
        } catch (IOException e) {
            return Optional.empty();
        }
        Optional<String> flags = text.lines()
            .filter(line -> line.startsWith("flags") && line.contains(":"))
            .map(line -> line.substring(line.indexOf(':') + 1))
            .findFirst();
        if (flags.isEmpty()) {
            return Optional.empty();
        }
        boolean avx = Arrays.stream(flags.get().trim().split("\\s+")).anyMatch("avx"::equals);
        if (avx) {
            return Optional.empty();
        }
        return Optional.of("This CPU does not offer AVX instructions (no 'avx' among the flags in " + cpuinfo + "), which "
            + "TensorFlow Java 1.1.0 (TensorFlow 2.18) needs; training would crash with an illegal instruction. "
            + "If this is a virtual machine, pass the host CPU through to it (QEMU/KVM: -cpu host; libvirt: "
            + "<cpu mode='host-passthrough'/>; Proxmox: CPU type 'host'; VirtualBox: no software-emulated CPU profile), "
            + "or run the learn service on a machine whose CPU has AVX.");
    }
}
