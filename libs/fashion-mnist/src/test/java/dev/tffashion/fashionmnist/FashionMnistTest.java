package dev.tffashion.fashionmnist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {

    @TempDir
    Path dir;

    @Test
    void loadsFloatsInUnitRangeAndRawBytesForExactRoundTrips() throws IOException {
        Map<DatasetFile, byte[]> contents = TestData.contents();
        DatasetLocator.Builder builder = isolated().folder(dir);
        TestData.writeGzipped(dir, contents).forEach(builder::expectedMd5);

        FashionMnist data = FashionMnist.load(builder.build());

        assertEquals(TestData.TRAIN, data.train().count());
        assertEquals(TestData.TEST, data.test().count());
        byte[] idx = contents.get(DatasetFile.TEST_IMAGES);
        byte[] raw = data.test().rawImage(1);
        for (int p = 0; p < FashionMnist.PIXELS; p++) {
            assertEquals(idx[16 + 784 + p], raw[p]);
        }
        float[] image = data.test().image(1);
        for (int p = 0; p < FashionMnist.PIXELS; p++) {
            assertEquals((raw[p] & 0xff) / 255f, image[p]);
            assertTrue(image[p] >= 0f && image[p] <= 1f);
        }
        byte[] back = new byte[FashionMnist.PIXELS];
        for (int p = 0; p < FashionMnist.PIXELS; p++) {
            back[p] = (byte) Math.round(image[p] * 255f);
        }
        assertArrayEquals(raw, back);
        assertEquals(3, data.test().label(1));
        assertEquals(2, data.train().limit(2).count());
    }

    @Test
    void namesTheClasses() {
        assertEquals(10, FashionMnist.CLASS_NAMES.size());
        assertEquals("T-shirt/top", FashionMnist.className(0));
        assertEquals("Ankle boot", FashionMnist.className(9));
        assertThrows(IllegalArgumentException.class, () -> FashionMnist.className(10));
    }

    @Test
    void rejectsImageAndLabelCountsThatDisagree() throws IOException {
        Map<DatasetFile, byte[]> contents = TestData.contents();
        contents.put(DatasetFile.TEST_LABELS, TestData.labelsIdx(TestData.TEST + 1, 2));
        DatasetLocator.Builder builder = isolated().folder(dir);
        TestData.writeGzipped(dir, contents).forEach(builder::expectedMd5);

        IdxFormatException e = assertThrows(IdxFormatException.class, () -> FashionMnist.load(builder.build()));
        assertTrue(e.getMessage().contains("holds 4 images but"), e.getMessage());
    }

    @Test
    void loadsTheRealDatasetFromTheDebianPackage() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(DatasetLocator.DEBIAN_FOLDER), "dataset-fashion-mnist is not installed");
        DatasetFiles files = isolated().systemFolder(DatasetLocator.DEBIAN_FOLDER).build().locate();
        FashionMnist data = FashionMnist.load(files);

        assertEquals(60000, data.train().count());
        assertEquals(10000, data.test().count());
        assertEquals(9, data.train().label(0));
        assertEquals(9, data.test().label(0));
        int[] perClass = new int[10];
        for (int i = 0; i < data.test().count(); i++) {
            perClass[data.test().label(i)]++;
        }
        for (int count : perClass) {
            assertEquals(1000, count);
        }
        assertEquals("f4a8712d7a061bf5bd6d2ca38dc4d50a", files.checksums().get("train-images-idx3-ubyte"));
        assertEquals("Debian package dataset-fashion-mnist", files.source());
    }

    private DatasetLocator.Builder isolated() {
        return DatasetLocator.builder()
            .systemFolder(null)
            .kerasFolder(null)
            .cacheFolder(dir.resolve("cache"))
            .download(false);
    }
}
