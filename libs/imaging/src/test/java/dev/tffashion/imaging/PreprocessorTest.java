package dev.tffashion.imaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tffashion.imaging.ImageRejectedException.Reason;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Formats, the steps of the contract, and every kind of refusal with its message. */
class PreprocessorTest {

    private static final byte[] SNEAKER = FashionMnistFiles.test().image(FashionMnistFiles.test().firstOf(7));

    private final Preprocessor preprocessor = new Preprocessor();

    // ---- refusals

    @Test
    void emptyIsRefused() {
        assertRejected(Reason.EMPTY, new byte[0], "empty");
        assertRejected(Reason.EMPTY, null, "empty");
    }

    @Test
    void textIsNotAnImage() {
        String message = assertRejected(Reason.NOT_AN_IMAGE, "hello, garment".getBytes(StandardCharsets.UTF_8), "not a picture");
        assertTrue(message.contains("68656c6c6f2c2067"), "shows the first bytes: " + message);
        assertTrue(message.contains("PNG, JPEG"), "says what to send: " + message);
    }

    @Test
    void svgIsRefused() {
        String svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"28\" height=\"28\"><rect width=\"28\" height=\"28\"/></svg>";
        assertRejected(Reason.SVG, svg.getBytes(StandardCharsets.UTF_8), "Export it as PNG");
        assertRejected(Reason.SVG, ("\ufeff  <?xml version=\"1.0\"?>\n<!-- shirt -->\n" + svg).getBytes(StandardCharsets.UTF_8), "SVG");
    }

    @Test
    void knownButUnsupportedFormatsAreNamed() {
        byte[] heic = new byte[32];
        System.arraycopy("ftypheic".getBytes(StandardCharsets.US_ASCII), 0, heic, 4, 8);
        heic[3] = 0x18;
        assertRejected(Reason.UNSUPPORTED_FORMAT, heic, "HEIF/HEIC");
        byte[] avif = heic.clone();
        System.arraycopy("avif".getBytes(StandardCharsets.US_ASCII), 0, avif, 8, 4);
        assertRejected(Reason.UNSUPPORTED_FORMAT, avif, "AVIF");
        assertRejected(Reason.UNSUPPORTED_FORMAT, "%PDF-1.7\n".getBytes(StandardCharsets.US_ASCII), "Convert it to PNG or JPEG");
        byte[] ppm = new byte[15 + 2 * 2 * 3];
        System.arraycopy("P6\n2 2\n255\n".getBytes(StandardCharsets.US_ASCII), 0, ppm, 0, 11);
        assertRejected(Reason.UNSUPPORTED_FORMAT, ppm, "Netpbm");
        assertRejected(Reason.UNSUPPORTED_FORMAT, "P5 28 28 255 ".getBytes(StandardCharsets.US_ASCII), "Netpbm");
        assertRejected(Reason.UNSUPPORTED_FORMAT, "qoif\0\0\0\34\0\0\0\34\3\0".getBytes(StandardCharsets.US_ASCII), "QOI");
        assertRejected(Reason.UNSUPPORTED_FORMAT, "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n".getBytes(StandardCharsets.US_ASCII),
            "Radiance HDR");
        assertRejected(Reason.UNSUPPORTED_FORMAT, new byte[] {0x76, 0x2F, 0x31, 0x01, 2, 0, 0, 0}, "OpenEXR");
        assertRejected(Reason.NOT_AN_IMAGE, "Pants, size 32".getBytes(StandardCharsets.US_ASCII), "not a picture");
    }

    @ParameterizedTest
    @EnumSource(value = ShopPhotos.Kind.class)
    void truncatedFilesAreRecognised(ShopPhotos.Kind kind) {
        byte[] photo = ShopPhotos.make(SNEAKER, kind, new Random(3), 200).bytes();
        for (double part : new double[] {0.1, 0.5, 0.9, 0.999}) {
            byte[] cut = Arrays.copyOf(photo, (int) (photo.length * part));
            String message = assertRejected(Reason.TRUNCATED, cut, "cut short");
            assertTrue(message.contains("Upload the complete file again"), message);
        }
    }

    @Test
    void pixelCountIsCheckedFromTheHeaderBeforeDecoding() {
        byte[] bomb = png(100_000, 100_000, new byte[] {0});
        String message = assertRejected(Reason.TOO_MANY_PIXELS, bomb, "100000 x 100000 = 10,000,000,000 pixels");
        assertTrue(message.contains("limit of 50,000,000 pixels"), message);

        byte[] photo = ShopPhotos.make(SNEAKER, ShopPhotos.Kind.JPEG, new Random(3), 200).bytes();
        Preprocessor small = new Preprocessor(PreprocessorOptions.defaults().withMaxPixels(10_000));
        ImageRejectedException e = assertThrows(ImageRejectedException.class, () -> small.preprocess(photo));
        assertEquals(Reason.TOO_MANY_PIXELS, e.reason());
        assertTrue(e.getMessage().contains("Scale it down"), e.getMessage());
    }

    @Test
    void damagedDataIsCorrupt() {
        byte[] garbage = new byte[200];
        new Random(5).nextBytes(garbage);
        assertRejected(Reason.CORRUPT, png(28, 28, garbage), "cannot be decoded");
    }

    @Test
    void uniformPictureIsBlank() throws Exception {
        BufferedImage white = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
        int[] pixels = new int[300 * 200];
        Arrays.fill(pixels, 0xFFF4F4F4);
        white.setRGB(0, 0, 300, 200, pixels, 0, 300);
        assertRejected(Reason.BLANK, ShopPhotos.encode(white, ShopPhotos.Kind.JPEG), "nothing to classify");
    }

    // ---- formats and steps

    @Test
    void webpLosslessWithAlphaAndLossyAreDecoded() throws Exception {
        ModelInput lossless = preprocessor.preprocess(resource("/fixtures/pullover-lossless-alpha.webp"));
        assertEquals("WebP", lossless.notes().get(ModelInput.Notes.SOURCE_FORMAT));
        assertEquals("true", lossless.notes().get(ModelInput.Notes.ALPHA_FLATTENED));
        assertClose(FashionMnistFiles.test().image(FashionMnistFiles.test().firstOf(2)), lossless, 0.08);
        ModelInput lossy = preprocessor.preprocess(resource("/fixtures/bag-lossy.webp"));
        assertEquals("WebP", lossy.notes().get(ModelInput.Notes.SOURCE_FORMAT));
        assertClose(FashionMnistFiles.test().image(FashionMnistFiles.test().firstOf(8)), lossy, 0.10);
    }

    @Test
    void tiffIsDecoded() throws Exception {
        byte[] png = ShopPhotos.make(SNEAKER, ShopPhotos.Kind.PNG_RGB, new Random(4), 200).bytes();
        ByteArrayOutputStream tiff = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(ImageIO.read(new ByteArrayInputStream(png)), "tiff", tiff));
        ModelInput tensor = preprocessor.preprocess(tiff.toByteArray());
        assertEquals("TIFF", tensor.notes().get(ModelInput.Notes.SOURCE_FORMAT));
        assertClose(SNEAKER, tensor, 0.06);
    }

    @ParameterizedTest
    @EnumSource(value = ShopPhotos.Kind.class)
    void shopPhotosAreInvertedCroppedAndScaled(ShopPhotos.Kind kind) throws Exception {
        ShopPhotos.Photo photo = ShopPhotos.make(SNEAKER, kind, new Random(11), 300);
        ModelInput tensor = preprocessor.preprocess(photo.bytes());
        assertEquals("true", tensor.notes().get(ModelInput.Notes.INVERTED), photo.description());
        assertEquals("false", tensor.notes().get(ModelInput.Notes.PASSTHROUGH));
        assertEquals(Integer.toString(photo.width()), tensor.notes().get(ModelInput.Notes.SOURCE_WIDTH));
        assertEquals(kind == ShopPhotos.Kind.PNG_RGBA ? "true" : "false", tensor.notes().get(ModelInput.Notes.ALPHA_FLATTENED));
        assertClose(SNEAKER, tensor, 0.06);
        assertArrayEquals(previewOf(tensor), FashionMnistPassthroughTest.previewBytes(tensor), "preview shows what the model sees");
    }

    @Test
    void darkOnLight28x28GrayIsOnlyInverted() throws Exception {
        byte[] negative = new byte[784];
        for (int i = 0; i < 784; i++) negative[i] = (byte) (255 - (SNEAKER[i] & 0xFF));
        ModelInput tensor = preprocessor.preprocess(ShopPhotos.grayPng(negative));
        assertEquals("true", tensor.notes().get(ModelInput.Notes.INVERTED));
        assertEquals("true", tensor.notes().get(ModelInput.Notes.PASSTHROUGH));
        for (int i = 0; i < 784; i++) assertEquals((SNEAKER[i] & 0xFF) / 255f, tensor.pixels()[i], 0f);
    }

    @Test
    void sixteenBitGrayAndGrayRgbPassThrough() throws Exception {
        BufferedImage deep = new BufferedImage(28, 28, BufferedImage.TYPE_USHORT_GRAY);
        BufferedImage rgb = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 784; i++) {
            int v = SNEAKER[i] & 0xFF;
            deep.getRaster().setSample(i % 28, i / 28, 0, v * 257);
            rgb.setRGB(i % 28, i / 28, (v << 16) | (v << 8) | v);
        }
        for (BufferedImage image : new BufferedImage[] {deep, rgb}) {
            ModelInput tensor = preprocessor.preprocess(ShopPhotos.encode(image, ShopPhotos.Kind.PNG_RGB));
            assertEquals("true", tensor.notes().get(ModelInput.Notes.PASSTHROUGH));
            for (int i = 0; i < 784; i++) assertEquals((SNEAKER[i] & 0xFF) / 255f, tensor.pixels()[i], 1e-6f);
        }
    }

    @Test
    void lightOnDarkLargePictureIsNotInverted() throws Exception {
        BufferedImage large = new BufferedImage(280, 336, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = large.getRaster();
        for (int y = 0; y < 280; y++) {
            for (int x = 0; x < 280; x++) raster.setSample(x, y + 28, 0, SNEAKER[(y / 10) * 28 + x / 10] & 0xFF);
        }
        ModelInput tensor = preprocessor.preprocess(ShopPhotos.encode(large, ShopPhotos.Kind.PNG_RGB));
        assertEquals("false", tensor.notes().get(ModelInput.Notes.INVERTED));
        assertClose(SNEAKER, tensor, 0.02);
    }

    @Test
    void gifTransparencyIsFlattenedOntoWhite() throws Exception {
        byte[] r = {0, 20};
        byte[] g = {0, 40};
        byte[] b = {0, 90};
        IndexColorModel model = new IndexColorModel(8, 2, r, g, b, 0);
        BufferedImage gif = new BufferedImage(224, 280, BufferedImage.TYPE_BYTE_INDEXED, model);
        for (int y = 0; y < 224; y++) {
            for (int x = 0; x < 224; x++) {
                if ((SNEAKER[(y / 8) * 28 + x / 8] & 0xFF) > 127) gif.getRaster().setSample(x, y + 20, 0, 1);
            }
        }
        ModelInput tensor = preprocessor.preprocess(ShopPhotos.encode(gif, ShopPhotos.Kind.GIF));
        assertEquals("GIF", tensor.notes().get(ModelInput.Notes.SOURCE_FORMAT));
        assertEquals("true", tensor.notes().get(ModelInput.Notes.ALPHA_FLATTENED));
        assertEquals("true", tensor.notes().get(ModelInput.Notes.INVERTED));
        assertEquals("255", tensor.notes().get(ModelInput.Notes.BACKGROUND));
        assertClose(SNEAKER, tensor, 0.15);
    }

    @Test
    void exifOrientationIsHonoured() throws Exception {
        ShopPhotos.Photo upright = ShopPhotos.make(SNEAKER, ShopPhotos.Kind.PNG_RGB, new Random(8), 200);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(upright.bytes()));
        int w = image.getWidth();
        int h = image.getHeight();
        BufferedImage stored = new BufferedImage(h, w, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) stored.setRGB(y, w - 1 - x, image.getRGB(x, y));
        }
        byte[] jpeg = withExifOrientation(ShopPhotos.encode(stored, ShopPhotos.Kind.JPEG), 6);
        ModelInput tensor = preprocessor.preprocess(jpeg);
        assertClose(SNEAKER, tensor, 0.06);
    }

    @Test
    void largePicturesAreSubsampledWhileDecoding() throws Exception {
        BufferedImage large = new BufferedImage(3000, 2000, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[3000];
        for (int y = 0; y < 2000; y++) {
            for (int x = 0; x < 3000; x++) {
                int gx = (x - 1000) / 60;
                int gy = (y - 200) / 60;
                int ink = gx >= 0 && gx < 28 && gy >= 0 && gy < 28 ? SNEAKER[gy * 28 + gx] & 0xFF : 0;
                int v = 255 - ink;
                row[x] = (v << 16) | (v << 8) | v;
            }
            large.setRGB(0, y, 3000, 1, row, 0, 3000);
        }
        ModelInput tensor = preprocessor.preprocess(ShopPhotos.encode(large, ShopPhotos.Kind.JPEG));
        assertEquals("3", tensor.notes().get(ModelInput.Notes.SUBSAMPLING));
        assertEquals("3000", tensor.notes().get(ModelInput.Notes.SOURCE_WIDTH));
        assertClose(SNEAKER, tensor, 0.05);
    }

    @Test
    void sameBytesGiveTheSameTensor() throws Exception {
        byte[] photo = ShopPhotos.make(SNEAKER, ShopPhotos.Kind.GIF, new Random(9), 250).bytes();
        assertEquals(preprocessor.preprocess(photo), preprocessor.preprocess(photo));
    }

    // ---- helpers

    private String assertRejected(Reason reason, byte[] bytes, String messagePart) {
        ImageRejectedException e = assertThrows(ImageRejectedException.class, () -> preprocessor.preprocess(bytes));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(messagePart), "message should contain '" + messagePart + "': " + e.getMessage());
        return e.getMessage();
    }

    private static void assertClose(byte[] expected, ModelInput tensor, double maxMeanAbsoluteDifference) {
        double diff = 0;
        for (int i = 0; i < 784; i++) diff += Math.abs(tensor.pixels()[i] - (expected[i] & 0xFF) / 255f);
        diff /= 784;
        assertTrue(diff <= maxMeanAbsoluteDifference, "mean absolute difference " + diff + " > " + maxMeanAbsoluteDifference
            + "; notes " + tensor.notes());
    }

    private static byte[] previewOf(ModelInput tensor) {
        byte[] out = new byte[784];
        for (int i = 0; i < 784; i++) out[i] = (byte) Math.round(tensor.pixels()[i] * 255f);
        return out;
    }

    private static byte[] resource(String name) throws Exception {
        try (InputStream in = PreprocessorTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    /** A PNG with the given header size and raw IDAT content, complete with IEND (for header-only checks). */
    private static byte[] png(int width, int height, byte[] idat) {
        byte[] data = idat;
        if (idat.length == 1) {
            Deflater deflater = new Deflater();
            deflater.setInput(idat);
            deflater.finish();
            byte[] out = new byte[64];
            data = Arrays.copyOf(out, deflater.deflate(out));
        }
        return TestImages.pngChunks(width, height, data);
    }

    /** Inserts an APP1 Exif segment holding only an orientation tag, right after the JPEG's SOI marker. */
    private static byte[] withExifOrientation(byte[] jpeg, int orientation) {
        ByteBuffer tiff = ByteBuffer.allocate(26);
        tiff.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8);
        tiff.putShort((short) 1).putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        tiff.putInt(0);
        byte[] exif = new byte[6 + tiff.capacity()];
        System.arraycopy("Exif".getBytes(StandardCharsets.US_ASCII), 0, exif, 0, 4);
        System.arraycopy(tiff.array(), 0, exif, 6, tiff.capacity());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xFF);
        out.write(0xD8);
        out.write(0xFF);
        out.write(0xE1);
        out.write((exif.length + 2) >> 8);
        out.write((exif.length + 2) & 0xFF);
        out.writeBytes(exif);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }
}
