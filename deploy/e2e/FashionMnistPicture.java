import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;

/**
 * Writes one Fashion-MNIST test image as a 28x28 grayscale PNG and prints its label, for deploy/compose-e2e.sh.
 * Usage: java FashionMnistPicture.java DATASET_DIR INDEX OUT.png
 */
public final class FashionMnistPicture {

    private FashionMnistPicture() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: java FashionMnistPicture.java DATASET_DIR INDEX OUT.png");
        }
        Path dir = Path.of(args[0]);
        int index = Integer.parseInt(args[1]);
        try (DataInputStream images = open(dir.resolve("t10k-images-idx3-ubyte.gz"));
             DataInputStream labels = open(dir.resolve("t10k-labels-idx1-ubyte.gz"))) {
            require(images.readInt() == 2051, "t10k-images: not an IDX image file");
            int count = images.readInt();
            require(index >= 0 && index < count, "index " + index + " outside 0.." + (count - 1));
            require(images.readInt() == 28 && images.readInt() == 28, "t10k-images: not 28x28");
            require(labels.readInt() == 2049 && labels.readInt() == count, "t10k-labels: not the labels of t10k-images");
            images.skipNBytes((long) index * 28 * 28);
            labels.skipNBytes(index);
            BufferedImage picture = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    int v = images.readUnsignedByte();
                    picture.getRaster().setSample(x, y, 0, v);
                }
            }
            ImageIO.write(picture, "png", Path.of(args[2]).toFile());
            System.out.println(labels.readUnsignedByte());
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        return new DataInputStream(new GZIPInputStream(in, 1 << 16));
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
