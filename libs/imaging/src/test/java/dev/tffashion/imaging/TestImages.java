package dev.tffashion.imaging;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
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

    /** A PNG built chunk by chunk: an 8-bit grayscale header of the given size, the given IDAT bytes, and IEND. */
    public static byte[] pngChunks(int width, int height, byte[] idat) {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 0).put((byte) 0)
            .put((byte) 0).put((byte) 0);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        chunk(png, "IHDR", ihdr.array());
        chunk(png, "IDAT", idat);
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
