package dev.tffashion.tfservingapi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import tensorflow.serving.PredictionLogOuterClass.PredictionLog;

/**
 * TF Serving's model warm-up file, {@code <version>/assets.extra/tf_serving_warmup_requests}: PredictionLog records in
 * TFRecord framing (little-endian uint64 length, masked CRC-32C of the length, the bytes, masked CRC-32C of the bytes).
 * The one place that writes (learn, tests) and reads (the model server) it.
 */
public final class WarmupRecords {

    /** The folder of a SavedModel version that holds the file. */
    public static final String ASSETS_EXTRA = "assets.extra";
    /** The file name TF Serving looks for. */
    public static final String FILE_NAME = "tf_serving_warmup_requests";
    /** The most records TF Serving replays from one file. */
    public static final int MAX_RECORDS = 1000;

    private static final int MASK_DELTA = 0xa282ead8;

    private WarmupRecords() {
    }

    /** The warm-up file of a SavedModel version folder. */
    public static Path file(Path versionDir) {
        return versionDir.resolve(ASSETS_EXTRA).resolve(FILE_NAME);
    }

    /** Writes the records into {@code <versionDir>/assets.extra/tf_serving_warmup_requests}, replacing the file. */
    public static Path write(Path versionDir, List<PredictionLog> records) throws IOException {
        if (records.isEmpty() || records.size() > MAX_RECORDS) {
            throw new IllegalArgumentException("A warm-up file holds 1 to " + MAX_RECORDS + " records, got " + records.size());
        }
        Path file = file(versionDir);
        Files.createDirectories(file.getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            for (PredictionLog record : records) {
                byte[] data = record.toByteArray();
                byte[] length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(data.length).array();
                out.write(length);
                out.write(intBytes(maskedCrc(length)));
                out.write(data);
                out.write(intBytes(maskedCrc(data)));
            }
        }
        return file;
    }

    /**
     * Reads every record of a warm-up file.
     *
     * @throws IOException when the file cannot be read, is truncated, fails its checksums, holds more than
     *                     {@value #MAX_RECORDS} records or a record that is not a PredictionLog
     */
    public static List<PredictionLog> read(Path file) throws IOException {
        List<PredictionLog> records = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            while (true) {
                byte[] length = in.readNBytes(8);
                if (length.length == 0) {
                    return records;
                }
                if (length.length < 8) {
                    throw new IOException(file + ": truncated record header after " + records.size() + " records");
                }
                int lengthCrc = readInt(in, file);
                if (lengthCrc != maskedCrc(length)) {
                    throw new IOException(file + ": corrupted record " + records.size() + " (length checksum mismatch);"
                        + " the file is not in TFRecord format");
                }
                long size = ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getLong();
                if (size < 0 || size > Integer.MAX_VALUE - 8) {
                    throw new IOException(file + ": record " + records.size() + " claims " + size + " bytes");
                }
                byte[] data = in.readNBytes((int) size);
                if (data.length < size) {
                    throw new IOException(file + ": truncated record " + records.size());
                }
                if (readInt(in, file) != maskedCrc(data)) {
                    throw new IOException(file + ": corrupted record " + records.size() + " (data checksum mismatch)");
                }
                if (records.size() == MAX_RECORDS) {
                    throw new IOException("Number of warmup records exceeds the maximum (" + MAX_RECORDS + ") at " + file);
                }
                records.add(PredictionLog.parseFrom(data));
            }
        }
    }

    private static int readInt(InputStream in, Path file) throws IOException {
        byte[] bytes = in.readNBytes(4);
        if (bytes.length < 4) {
            throw new IOException(file + ": truncated record checksum");
        }
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private static byte[] intBytes(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
    }

    /** TFRecord's masked CRC-32C. */
    static int maskedCrc(byte[] data) {
        CRC32C crc = new CRC32C();
        crc.update(data);
        int value = (int) crc.getValue();
        return ((value >>> 15) | (value << 17)) + MASK_DELTA;
    }
}
