package dev.tffashion.tfservingapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.PredictionLogOuterClass.PredictLog;
import tensorflow.serving.PredictionLogOuterClass.PredictionLog;

/** TF Serving's warm-up file: TFRecord framing round trip, checksums and the record limit. */
class WarmupRecordsTest {

    @TempDir
    Path version;

    private static PredictionLog record(String signature) {
        return PredictionLog.newBuilder().setPredictLog(PredictLog.newBuilder().setRequest(PredictRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName("m").setSignatureName(signature)))).build();
    }

    @Test
    void writtenRecordsReadBackInOrder() throws IOException {
        Path file = WarmupRecords.write(version, List.of(record("a"), record("b")));
        assertEquals(version.resolve("assets.extra/tf_serving_warmup_requests"), file);
        assertEquals(List.of(record("a"), record("b")), WarmupRecords.read(file));
    }

    @Test
    void theFramingIsTfRecords() throws IOException {
        Path file = WarmupRecords.write(version, List.of(record("a")));
        byte[] bytes = Files.readAllBytes(file);
        int size = record("a").getSerializedSize();
        assertEquals(8 + 4 + size + 4, bytes.length);
        assertEquals(size, bytes[0]);
        // TFRecord's masked CRC-32C of an empty record, a value every TFRecord reader agrees on.
        assertEquals(0xa282ead8, WarmupRecords.maskedCrc(new byte[0]));
    }

    @Test
    void aCorruptedFileIsRefusedSayingWhy() throws IOException {
        Path file = WarmupRecords.write(version, List.of(record("a")));
        byte[] bytes = Files.readAllBytes(file);
        bytes[14] ^= 1;
        Files.write(file, bytes);
        IOException e = assertThrows(IOException.class, () -> WarmupRecords.read(file));
        assertTrue(e.getMessage().contains("data checksum mismatch"), e.getMessage());
        Files.write(file, new byte[] {1, 2, 3});
        assertTrue(assertThrows(IOException.class, () -> WarmupRecords.read(file)).getMessage().contains("truncated"));
        assertThrows(IllegalArgumentException.class, () -> WarmupRecords.write(version, List.of()));
    }
}
