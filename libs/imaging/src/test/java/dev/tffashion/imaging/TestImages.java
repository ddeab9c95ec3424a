package dev.tffashion.imaging;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** Test support for other packages: the committed samples with their Fashion-MNIST originals, and pixel helpers. */
public final class TestImages {

    /**
     * A committed sample picture.
     *
     * @param path     the file in samples/images
     * @param label    its class
     * @param garment  the original 28x28 test image (784 unsigned bytes)
     * @param original whether the file is the original 28x28 PNG
     */
    public record Sample(Path path, int label, byte[] garment, boolean original) {
    }

    private TestImages() {
    }

    /** The ten samples in samples/images. */
    public static List<Sample> samples() {
        FashionMnistFiles.Images test = FashionMnistFiles.test();
        return SampleImages.ALL.stream().map(s -> new Sample(SampleImages.DIR.resolve(s.file()), s.label(),
            test.image(test.firstOf(s.label())), s.original())).toList();
    }

    /** The 784 gray samples of a 28x28 gray PNG. */
    public static byte[] grayPixels(byte[] png) {
        try {
            var image = ImageIO.read(new ByteArrayInputStream(png));
            byte[] out = new byte[784];
            for (int i = 0; i < 784; i++) out[i] = (byte) image.getRaster().getSample(i % 28, i / 28, 0);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Mean absolute difference between a garment's pixels / 255 and tensor values. */
    public static double meanAbsoluteDifference(byte[] garment, float[] values) {
        double diff = 0;
        for (int i = 0; i < 784; i++) diff += Math.abs(values[i] - (garment[i] & 0xFF) / 255f);
        return diff / 784;
    }
}
