package dev.tffashion.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tffashion.imaging.ImageRejectedException.Reason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The one decoder: header inspection without pixels, the same refusals as the full decode, completeness from the container. */
class ImageDecoderTest {

    private static final byte[] SNEAKER = FashionMnistFiles.test().image(FashionMnistFiles.test().firstOf(7));

    private final ImageDecoder decoder = new ImageDecoder(PreprocessorOptions.defaults());

    @ParameterizedTest
    @EnumSource(value = ShopPhotos.Kind.class)
    void inspectReadsFormatAndSizeAndAgreesWithDecode(ShopPhotos.Kind kind) throws Exception {
        ShopPhotos.Photo photo = ShopPhotos.make(SNEAKER, kind, new Random(21), 200);
        ImageHeader header = decoder.inspect(photo.bytes());
        assertEquals(photo.width(), header.width());
        assertEquals(photo.height(), header.height());
        assertEquals(header, decoder.decode(photo.bytes()).header());
    }

    @Test
    void inspectBuildsNoPixels() throws Exception {
        byte[] garbage = new byte[200];
        new Random(5).nextBytes(garbage);
        byte[] png = png(7000, 7000, garbage);
        assertEquals(49_000_000L, decoder.inspect(png).pixels(), "the header alone is read");
        ImageRejectedException e = assertThrows(ImageRejectedException.class, () -> decoder.decode(png));
        assertEquals(Reason.CORRUPT, e.reason(), "the pixels are only read by decode: " + e.getMessage());
    }

    @Test
    void inspectRefusesWhatDecodeRefusesBeforeThePixels() throws Exception {
        assertRefused(Reason.EMPTY, new byte[0]);
        assertRefused(Reason.NOT_AN_IMAGE, "plain text".getBytes(StandardCharsets.UTF_8));
        assertRefused(Reason.SVG, "<svg xmlns=\"http://www.w3.org/2000/svg\"/>".getBytes(StandardCharsets.UTF_8));
        assertRefused(Reason.UNSUPPORTED_FORMAT, "%PDF-1.7\n".getBytes(StandardCharsets.US_ASCII));
        assertRefused(Reason.TOO_MANY_PIXELS, png(7072, 7072, new byte[0]));
        byte[] webp = resource("/fixtures/bag-lossy.webp");
        assertEquals(ImageFormat.WEBP, decoder.inspect(webp).format());
        assertRefused(Reason.TRUNCATED, Arrays.copyOf(webp, webp.length - 10));
    }

    @ParameterizedTest
    @EnumSource(value = ShopPhotos.Kind.class)
    void truncationIsFoundWithoutDecoding(ShopPhotos.Kind kind) {
        byte[] photo = ShopPhotos.make(SNEAKER, kind, new Random(3), 200).bytes();
        for (double part : new double[] {0.1, 0.5, 0.9, 0.999}) {
            String message = assertRefused(Reason.TRUNCATED, Arrays.copyOf(photo, (int) (photo.length * part)));
            assertTrue(message.contains("Upload the complete file again"), message);
        }
    }

    @Test
    void tiffIsCompleteWhenItHoldsEveryStripOfItsFirstDirectory() throws Exception {
        byte[] png = ShopPhotos.make(SNEAKER, ShopPhotos.Kind.PNG_RGB, new Random(4), 200).bytes();
        ByteArrayOutputStream tiff = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(ImageIO.read(new ByteArrayInputStream(png)), "tiff", tiff));
        byte[] bytes = tiff.toByteArray();
        assertEquals(ImageFormat.TIFF, decoder.inspect(bytes).format());
        for (double part : new double[] {0.1, 0.5, 0.9, 0.999}) {
            assertRefused(Reason.TRUNCATED, Arrays.copyOf(bytes, (int) (bytes.length * part)));
        }
    }

    @Test
    void jpegEndIsFoundPastAnExifThumbnailAndBeforeTrailingBytes() throws Exception {
        byte[] jpeg = ShopPhotos.make(SNEAKER, ShopPhotos.Kind.JPEG, new Random(6), 200).bytes();
        byte[] withThumbnail = withApp1(jpeg, new byte[] {'E', 'x', 'i', 'f', 0, 0, (byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9});
        decoder.inspect(withThumbnail);
        assertRefused(Reason.TRUNCATED, Arrays.copyOf(withThumbnail, withThumbnail.length / 2));
        byte[] trailing = Arrays.copyOf(jpeg, jpeg.length + 16);
        assertEquals(ImageFormat.JPEG, decoder.inspect(trailing).format(), "bytes after the end marker are tolerated");
    }

    private String assertRefused(Reason reason, byte[] bytes) {
        ImageRejectedException e = assertThrows(ImageRejectedException.class, () -> decoder.inspect(bytes));
        assertEquals(reason, e.reason(), e.getMessage());
        ImageRejectedException decoded = assertThrows(ImageRejectedException.class, () -> decoder.decode(bytes));
        assertEquals(reason, decoded.reason(), "decode refuses it the same way: " + decoded.getMessage());
        return e.getMessage();
    }

    private static byte[] resource(String name) throws Exception {
        try (InputStream in = ImageDecoderTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    /** A gray PNG with the given header size and raw IDAT content, complete with IEND. */
    private static byte[] png(int width, int height, byte[] idat) {
        return TestImages.pngChunks(width, height, idat);
    }

    /** The JPEG with an APP1 segment of the given content right after its SOI marker. */
    private static byte[] withApp1(byte[] jpeg, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xFF);
        out.write(0xD8);
        out.write(0xFF);
        out.write(0xE1);
        out.write((content.length + 2) >> 8);
        out.write((content.length + 2) & 0xFF);
        out.writeBytes(content);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }
}
