package dev.tffashion.fashionmnist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

    @TempDir
    Path dir;

    @Test
    void readsPlainAndGzippedImagesAlike() throws IOException {
        byte[] idx = TestData.imagesIdx(3, 7);
        Path plain = Files.write(dir.resolve("images"), idx);
        Path gz = Files.write(dir.resolve("images.gz"), TestData.gzip(idx));

        IdxImages fromPlain = IdxReader.readImages(plain);
        IdxImages fromGz = IdxReader.readImages(gz);

        assertEquals(3, fromPlain.count());
        assertEquals(28, fromPlain.rows());
        assertEquals(28, fromPlain.columns());
        assertArrayEquals(Arrays.copyOfRange(idx, 16, idx.length), fromPlain.pixels());
        assertArrayEquals(fromPlain.pixels(), fromGz.pixels());
        assertEquals(Checksums.uncompressedMd5(plain), Checksums.uncompressedMd5(gz));
    }

    @Test
    void readsLabels() throws IOException {
        Path file = Files.write(dir.resolve("labels.gz"), TestData.gzip(TestData.labelsIdx(12, 0)));
        IdxLabels labels = IdxReader.readLabels(file);
        assertEquals(12, labels.count());
        assertEquals(1, labels.labels()[11]);
    }

    @Test
    void rejectsALabelFileReadAsImages() throws IOException {
        Path file = Files.write(dir.resolve("labels"), TestData.labelsIdx(5, 0));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(file));
        assertTrue(e.getMessage().contains("is not an IDX image file: magic number 0x00000801, expected 0x00000803"), e.getMessage());
    }

    @Test
    void rejectsATruncatedFile() throws IOException {
        byte[] idx = TestData.imagesIdx(2, 0);
        Path file = Files.write(dir.resolve("short"), Arrays.copyOf(idx, idx.length - 10));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(file));
        assertTrue(e.getMessage().contains("is truncated"), e.getMessage());
    }

    @Test
    void rejectsTrailingBytes() throws IOException {
        byte[] idx = TestData.labelsIdx(2, 0);
        Path file = Files.write(dir.resolve("long"), Arrays.copyOf(idx, idx.length + 3));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(file));
        assertTrue(e.getMessage().contains("has data after"), e.getMessage());
    }

    @Test
    void rejectsAnEmptyFile() throws IOException {
        Path file = Files.write(dir.resolve("empty"), new byte[0]);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(file));
        assertTrue(e.getMessage().contains("ends inside its IDX header"), e.getMessage());
    }
}
