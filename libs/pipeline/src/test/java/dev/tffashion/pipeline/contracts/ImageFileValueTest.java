package dev.tffashion.pipeline.contracts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;

class ImageFileValueTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsThroughTheWire() {
        ContentStore store = ContentStore.atFolder(dir);
        byte[] picture = new byte[100_000];
        picture[7] = 42;
        ImageFileValue image = new ImageFileValue("img-1", "tf-fashion", Contents.store(store, picture, "image/png"), "shirt.png",
            "key-1", Instant.parse("2026-12-02T10:00:00Z"));

        ImageFileValue read = ImageFileValue.from(Wire.roundTrip(image.toValue()));

        assertEquals(image, read);
        assertArrayEquals(picture, read.bytes(store));
        assertEquals("picture img-1 (shirt.png)", read.describe());
    }

    @Test
    void refusesAnotherType() {
        ContentStore store = ContentStore.atFolder(dir);
        var tensor = TensorValueTest.sample().toValue(store);
        assertThrows(MalformedValueException.class, () -> ImageFileValue.from(tensor));
    }
}
