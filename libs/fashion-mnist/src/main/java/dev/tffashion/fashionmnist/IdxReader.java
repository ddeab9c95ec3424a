package dev.tffashion.fashionmnist;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Reads IDX files (the MNIST format), gzipped or not: the gzip magic number decides. */
public final class IdxReader {

    /** Magic number of an IDX file of unsigned bytes with three dimensions (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned bytes with one dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int MAX_IMAGE_BYTES = Integer.MAX_VALUE - 16;

    private IdxReader() {
    }

    /** Reads an image file. */
    public static IdxImages readImages(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(open(file))) {
            int magic = readHeaderInt(in, file);
            if (magic != IMAGES_MAGIC) {
                throw new IdxFormatException(file + " is not an IDX image file: magic number 0x%08x, expected 0x%08x"
                    .formatted(magic, IMAGES_MAGIC));
            }
            int count = readHeaderInt(in, file);
            int rows = readHeaderInt(in, file);
            int columns = readHeaderInt(in, file);
            long size = (long) count * rows * columns;
            if (count < 0 || rows <= 0 || columns <= 0 || size > MAX_IMAGE_BYTES) {
                throw new IdxFormatException(file + " has an impossible image header: %d images of %dx%d"
                    .formatted(count, rows, columns));
            }
            byte[] pixels = readBody(in, (int) size, file);
            return new IdxImages(count, rows, columns, pixels);
        }
    }

    /** Reads a label file. */
    public static IdxLabels readLabels(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(open(file))) {
            int magic = readHeaderInt(in, file);
            if (magic != LABELS_MAGIC) {
                throw new IdxFormatException(file + " is not an IDX label file: magic number 0x%08x, expected 0x%08x"
                    .formatted(magic, LABELS_MAGIC));
            }
            int count = readHeaderInt(in, file);
            if (count < 0) {
                throw new IdxFormatException(file + " has an impossible label count: " + count);
            }
            return new IdxLabels(count, readBody(in, count, file));
        }
    }

    /** Opens a file for reading its uncompressed content, unzipping it when it starts with the gzip magic number. */
    public static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b1 = raw.read();
        int b2 = raw.read();
        raw.reset();
        if (b1 == 0x1f && b2 == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
        }
        return raw;
    }

    private static int readHeaderInt(DataInputStream in, Path file) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new IdxFormatException(file + " ends inside its IDX header");
        }
    }

    private static byte[] readBody(DataInputStream in, int size, Path file) throws IOException {
        byte[] body = new byte[size];
        try {
            in.readFully(body);
        } catch (EOFException e) {
            throw new IdxFormatException(file + " is truncated: its header announces " + size + " data bytes");
        }
        if (in.read() != -1) {
            throw new IdxFormatException(file + " has data after the " + size + " bytes its header announces");
        }
        return body;
    }
}
