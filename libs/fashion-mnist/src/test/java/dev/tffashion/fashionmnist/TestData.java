package dev.tffashion.fashionmnist;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Writes small, made-up IDX files in the Fashion-MNIST layout, for tests. */
final class TestData {

    static final int TRAIN = 6;
    static final int TEST = 4;

    private TestData() {
    }

    static byte[] imagesIdx(int count, int seed) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(IdxReader.IMAGES_MAGIC);
        out.writeInt(count);
        out.writeInt(28);
        out.writeInt(28);
        for (int i = 0; i < count * 784; i++) {
            out.writeByte((i * 31 + seed) & 0xff);
        }
        return bytes.toByteArray();
    }

    static byte[] labelsIdx(int count, int seed) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(IdxReader.LABELS_MAGIC);
        out.writeInt(count);
        for (int i = 0; i < count; i++) {
            out.writeByte((i + seed) % 10);
        }
        return bytes.toByteArray();
    }

    static Map<DatasetFile, byte[]> contents() throws IOException {
        Map<DatasetFile, byte[]> contents = new EnumMap<>(DatasetFile.class);
        contents.put(DatasetFile.TRAIN_IMAGES, imagesIdx(TRAIN, 1));
        contents.put(DatasetFile.TRAIN_LABELS, labelsIdx(TRAIN, 1));
        contents.put(DatasetFile.TEST_IMAGES, imagesIdx(TEST, 2));
        contents.put(DatasetFile.TEST_LABELS, labelsIdx(TEST, 2));
        return contents;
    }

    static byte[] gzip(byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(content);
        }
        return bytes.toByteArray();
    }

    /** Writes the four files gzipped into {@code folder}; returns the MD5 of each uncompressed file. */
    static Map<DatasetFile, String> writeGzipped(Path folder, Map<DatasetFile, byte[]> contents) throws IOException {
        Files.createDirectories(folder);
        Map<DatasetFile, String> md5s = new EnumMap<>(DatasetFile.class);
        for (Map.Entry<DatasetFile, byte[]> entry : contents.entrySet()) {
            Path file = folder.resolve(entry.getKey().gzFileName());
            Files.write(file, gzip(entry.getValue()));
            md5s.put(entry.getKey(), Checksums.uncompressedMd5(file));
        }
        return md5s;
    }
}
