package dev.tffashion.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** The bad inputs of {@link BadInputIT}: broken pictures, bombs, scripts that fail, archives that are not models. Writes nothing. */
public final class BadPayloads {

    /** A recipe that is not YAML at all (an unclosed flow mapping). */
    public static final String MALFORMED_YAML = "model: mlp\nepochs: [1, 2\nbatchSize: {\n";
    /** A well-formed recipe for a model type that does not exist. */
    public static final String UNKNOWN_MODEL = "model: resnet152\nepochs: 1\n";
    /** A "billion laughs" YAML: nine levels of aliases, each nine times the one below. */
    public static final String YAML_ALIAS_BOMB = billionLaughs();
    /** A Python training script that fails at once. */
    public static final String PYTHON_EXIT_1 = "import sys\nprint('failing on purpose', flush=True)\nsys.exit(1)\n";
    /** A Python training script that never ends, with a child process of its own that must be stopped with it. */
    public static final String PYTHON_FOREVER = "import subprocess, time\nsubprocess.Popen(['sleep', '300'])\n"
        + "print('sleeping past the limit', flush=True)\ntime.sleep(300)\n";
    /** A Python script that exits 0 after writing random bytes as {@code <out>/1/saved_model.pb}. */
    public static final String PYTHON_CORRUPT_MODEL = "import os, sys\nd = os.path.join(sys.argv[1], '1')\nos.makedirs(d)\n"
        + "open(os.path.join(d, 'saved_model.pb'), 'wb').write(os.urandom(4096))\nprint('exported garbage', flush=True)\n";
    /** An SVG picture: text, not a raster image. */
    public static final String SVG = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"28\" height=\"28\">"
        + "<rect width=\"28\" height=\"28\" fill=\"black\"/><circle cx=\"14\" cy=\"14\" r=\"9\" fill=\"white\"/></svg>\n";

    private BadPayloads() {
    }

    /** The first half of a file. */
    public static byte[] truncated(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        return Arrays.copyOf(bytes, bytes.length / 2);
    }

    /** Random bytes with an ELF header: a program, not a script. */
    public static byte[] binary(int size) {
        byte[] bytes = new byte[size];
        new Random(9).nextBytes(bytes);
        System.arraycopy(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}, 0, bytes, 0, 8);
        return bytes;
    }

    /**
     * A PNG decompression bomb: a 1-bit grayscale picture of side x side black pixels whose IDAT deflates to about 1/1000 of the
     * raw rows (20000 gives 400 million pixels, 50 MB of rows, in about 50 KB).
     */
    public static byte[] pngBomb(int side) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a});
        var header = ByteBuffer.allocate(13).putInt(side).putInt(side).put((byte) 1).put((byte) 0).put((byte) 0).put((byte) 0)
            .put((byte) 0).array();
        chunk(out, "IHDR", header);
        var idat = new ByteArrayOutputStream();
        try (var deflate = new DeflaterOutputStream(idat, new Deflater(Deflater.BEST_COMPRESSION), 64 * 1024)) {
            byte[] row = new byte[1 + (side + 7) / 8];
            for (int y = 0; y < side; y++) {
                deflate.write(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        chunk(out, "IDAT", idat.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(name);
        out.writeBytes(data);
        var crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** A tar holding only a README: an archive, but not a SavedModel. */
    public static byte[] tarWithoutSavedModel() {
        return tar("README.txt", "this archive holds no model\n".getBytes(StandardCharsets.UTF_8));
    }

    /** A tar whose one entry climbs out of the folder it is unpacked into. */
    public static byte[] tarWithTraversal() {
        return tar("../../../../tf-fashion-escaped.txt", "written outside the models folder\n".getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] tar(String name, byte[] content) {
        var bytes = new ByteArrayOutputStream();
        try (var tar = new TarArchiveOutputStream(bytes)) {
            var entry = new TarArchiveEntry(name, true);
            entry.setSize(content.length);
            tar.putArchiveEntry(entry);
            tar.write(content);
            tar.closeArchiveEntry();
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A stream of {@code size} zero bytes after a prefix, for uploads too large to hold in memory twice. */
    public static InputStream zeros(byte[] prefix, long size, byte[] suffix) {
        return new InputStream() {
            private long position;
            private final long total = prefix.length + size + suffix.length;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (position >= total) {
                    return -1;
                }
                int n = (int) Math.min(len, total - position);
                for (int i = 0; i < n; i++) {
                    long p = position + i;
                    b[off + i] = p < prefix.length ? prefix[(int) p]
                        : p < prefix.length + size ? 0 : suffix[(int) (p - prefix.length - size)];
                }
                position += n;
                return n;
            }
        };
    }

    private static String billionLaughs() {
        var yaml = new StringBuilder("a0: &a0 [\"lol\"]\n");
        for (int level = 1; level <= 9; level++) {
            yaml.append('a').append(level).append(": &a").append(level).append(" [");
            for (int i = 0; i < 9; i++) {
                yaml.append(i == 0 ? "" : ", ").append("*a").append(level - 1);
            }
            yaml.append("]\n");
        }
        return yaml.append("model: mlp\n").toString();
    }
}
