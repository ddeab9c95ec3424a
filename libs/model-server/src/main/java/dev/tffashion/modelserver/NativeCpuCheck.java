package dev.tffashion.modelserver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Checks, before TensorFlow's native library is loaded, that the CPU has the instructions that library was built
 * for (AVX): without them TensorFlow dies with SIGILL and no message, typically in a VM that hides the host CPU.
 */
public final class NativeCpuCheck {

    /** The /proc/cpuinfo flags that TensorFlow's prebuilt x86-64 library needs. */
    public static final List<String> REQUIRED_FLAGS = List.of("avx");

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    private NativeCpuCheck() {
    }

    /**
     * Fails with a message naming the fix when this machine's CPU cannot run TensorFlow's native library.
     * Does nothing when the CPU is fine or cannot be inspected (not Linux, not x86-64).
     *
     * @throws IllegalStateException when a required CPU flag is missing
     */
    public static void requireSupportedCpu() {
        problem().ifPresent(message -> {
            throw new IllegalStateException(message);
        });
    }

    /** Why this machine's CPU cannot run TensorFlow, or empty when it can (or cannot be inspected). */
    public static Optional<String> problem() {
        String arch = System.getProperty("os.arch", "");
        if (!Files.isReadable(CPUINFO)) {
            return Optional.empty();
        }
        try {
            return problem(arch, Files.readString(CPUINFO));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Why a CPU described by the given /proc/cpuinfo text cannot run TensorFlow, or empty when it can.
     *
     * @param arch    the JVM's os.arch (only x86-64 is checked)
     * @param cpuinfo the content of /proc/cpuinfo
     */
    public static Optional<String> problem(String arch, String cpuinfo) {
        String a = arch.toLowerCase(Locale.ROOT);
        if (!a.equals("amd64") && !a.equals("x86_64")) {
            return Optional.empty();
        }
        Set<String> flags = new HashSet<>();
        String model = "unknown";
        boolean sawFlags = false;
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (key.equals("flags") && !sawFlags) {
                flags.addAll(Arrays.asList(value.split("\\s+")));
                sawFlags = true;
            } else if (key.equals("model name") && model.equals("unknown")) {
                model = value;
            }
        }
        if (!sawFlags) {
            return Optional.empty();
        }
        List<String> missing = new ArrayList<>();
        for (String flag : REQUIRED_FLAGS) {
            if (!flags.contains(flag)) {
                missing.add(flag);
            }
        }
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("TensorFlow's native library needs a CPU with " + String.join(", ", missing).toUpperCase(Locale.ROOT)
            + ", but this CPU (" + model + ") does not report the flag(s) " + missing + " in /proc/cpuinfo, so TensorFlow"
            + " would crash on its first instruction. This usually means a virtual machine with a generic CPU model:"
            + " pass the host CPU through to the VM (KVM/QEMU: -cpu host; libvirt: <cpu mode='host-passthrough'/>;"
            + " Proxmox: CPU type 'host'), or run on a machine whose CPU has AVX.");
    }
}
