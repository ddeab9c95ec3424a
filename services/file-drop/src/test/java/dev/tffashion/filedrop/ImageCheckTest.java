package dev.tffashion.filedrop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.tffashion.imaging.PreprocessorOptions;
import org.junit.jupiter.api.Test;

/** The door's check: libs/imaging's header inspection, mapped to HTTP answers with errors that say what to do. */
class ImageCheckTest {

    private static final long LIMIT = PreprocessorOptions.DEFAULT_MAX_PIXELS;

    @Test
    void everyFormatImageConvertDecodesIsAccepted() throws IOException {
        for (String format : new String[] {"png", "jpeg", "gif", "bmp", "tiff"}) {
            ImageCheck.Image image = ImageCheck.check(TestImages.garment(format, 64, 48), LIMIT);
            assertEquals(format, image.format());
            assertEquals("image/" + format, image.mediaType());
            assertEquals(64, image.width());
            assertEquals(48, image.height());
        }
        ImageCheck.Image webp = ImageCheck.check(fixture("/fixtures/bag-lossy.webp"), LIMIT);
        assertEquals("image/webp", webp.mediaType());
        assertTrue(webp.width() > 28, "size read from the WebP header: " + webp);
    }

    @Test
    void refusalsHaveTheirStatusAndSayWhatToDo() throws IOException {
        byte[] png = TestImages.garment("png", 40, 40);
        byte[] gif = TestImages.garment("gif", 40, 40);
        byte[] webp = fixture("/fixtures/pullover-lossless-alpha.webp");
        assertRefused(400, "empty", new byte[0]);
        assertRefused(415, "not-an-image", "hello, I am not a picture".getBytes(StandardCharsets.UTF_8));
        assertRefused(415, "not-an-image", TestImages.SVG.getBytes(StandardCharsets.UTF_8));
        assertRefused(415, "unsupported-format", "%PDF-1.7\n".getBytes(StandardCharsets.US_ASCII));
        assertRefused(422, "undecodable-image", Arrays.copyOf(png, png.length - 1));
        assertRefused(422, "undecodable-image", Arrays.copyOf(gif, gif.length - 1));
        assertRefused(422, "undecodable-image", Arrays.copyOf(webp, webp.length / 2));
        assertRefused(413, "too-many-pixels", TestImages.pngHeaderOnly(7072, 7072));
        assertEquals(7071, ImageCheck.check(TestImages.pngHeaderOnly(7071, 7071), LIMIT).width(),
                "a 50 MP picture passes the door, as it passes image-convert");
    }

    private static void assertRefused(int status, String reason, byte[] bytes) {
        DropRefusedException e = assertThrows(DropRefusedException.class, () -> ImageCheck.check(bytes, LIMIT));
        assertEquals(status, e.status(), e.getMessage());
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().length() > 20 && e.hint().length() > 10, "says what was wrong and what to do: " + e.getMessage());
    }

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = ImageCheckTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }
}
