package dev.tffashion.imaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The contract's anchor: every Fashion-MNIST test image, saved as a grayscale PNG, comes out as exactly pixel / 255f. */
class FashionMnistPassthroughTest {

    private final Preprocessor preprocessor = new Preprocessor();

    @Test
    void allTenThousandTestImagesPassThroughBitExact() throws Exception {
        FashionMnistFiles.Images test = FashionMnistFiles.test();
        int exact = 0;
        int previewsExact = 0;
        for (int n = 0; n < test.count(); n++) {
            byte[] garment = test.image(n);
            ModelInput tensor = preprocessor.preprocess(ShopPhotos.grayPng(garment));
            float[] expected = new float[FashionMnistFiles.PIXELS];
            for (int i = 0; i < expected.length; i++) expected[i] = (garment[i] & 0xFF) / 255f;
            assertArrayEquals(expected, tensor.pixels(), 0f, "test image " + n);
            assertEquals("true", tensor.notes().get(ModelInput.Notes.PASSTHROUGH), "test image " + n);
            assertEquals("false", tensor.notes().get(ModelInput.Notes.INVERTED), "test image " + n);
            exact++;
            if (n % 10 == 0) {
                assertArrayEquals(garment, previewBytes(tensor), "preview of test image " + n);
                previewsExact++;
            }
        }
        System.out.printf("bit-exact passthrough: %d of %d Fashion-MNIST test images; %d previews checked byte-equal%n",
            exact, test.count(), previewsExact);
        assertEquals(10_000, exact);
    }

    static byte[] previewBytes(ModelInput tensor) throws IOException {
        BufferedImage preview = ImageIO.read(new ByteArrayInputStream(tensor.previewPng()));
        assertEquals(28, preview.getWidth());
        assertEquals(28, preview.getHeight());
        assertEquals(BufferedImage.TYPE_BYTE_GRAY, preview.getType());
        byte[] out = new byte[784];
        for (int i = 0; i < 784; i++) out[i] = (byte) preview.getRaster().getSample(i % 28, i / 28, 0);
        return out;
    }
}
