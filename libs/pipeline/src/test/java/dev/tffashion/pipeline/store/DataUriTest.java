package dev.tffashion.pipeline.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** {@link Contents#dataUri} and {@link Contents#decodeDataUri}: any bytes round-trip, whatever the media type holds. */
class DataUriTest {

    @Test
    void bytesOfEveryLengthRoundTripUnderMediaTypesWithCommasAndMarkers() {
        SplittableRandom random = new SplittableRandom(11);
        List<String> mediaTypes = List.of("image/png", "application/x-tensor; dtype=float32; shape=1,28,28,1", "x/y; note=;base64,",
                "x/y; a=;base64,; b=;base64,AAAA");
        for (String mediaType : mediaTypes) {
            for (int length = 0; length < 80; length++) {
                byte[] bytes = new byte[length];
                random.nextBytes(bytes);
                assertArrayEquals(bytes, Contents.decodeDataUri(Contents.dataUri(mediaType, bytes)), mediaType + ", " + length);
            }
            byte[] tensor = new byte[4 * 784];
            random.nextBytes(tensor);
            assertArrayEquals(tensor, Contents.decodeDataUri(Contents.dataUri(mediaType, tensor)), mediaType);
        }
    }

    @Test
    void theDataStartsAfterTheLastMarker() {
        String data = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, 4, 5});
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, Contents.decodeDataUri("data:x/y;base64,;base64," + data));
    }

    @Test
    void whatIsNotABase64DataUriIsRefusedWithTheReason() {
        for (String uri : List.of("data:text/plain,hello", "store:sha256:abc", "text/plain;base64,aGVsbG8=", "")) {
            ContentStoreException e = assertThrows(ContentStoreException.class, () -> Contents.decodeDataUri(uri), uri);
            assertTrue(e.getMessage().startsWith("not a base64 data URI"), e.getMessage());
        }
        for (String uri : List.of("data:x/y;base64,aGVsbG8=x", "data:x/y;base64,a",
                "data:x/y;base64,a$VsbG8=", "data:x/y;base64,aGVs\u00e9bG8=")) {
            ContentStoreException e = assertThrows(ContentStoreException.class, () -> Contents.decodeDataUri(uri), uri);
            assertTrue(e.getMessage().startsWith("data URI is not valid base64"), e.getMessage());
        }
    }
}
