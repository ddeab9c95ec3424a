package dev.tffashion.imaging;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a preprocessor over pictures it draws itself, so that the JVM loads and compiles the decode and fit code before the first
 * real picture arrives: in a cold JVM the first few hundred pictures are interpreted and compiled while they are converted, several
 * times their steady cost, and a stream that starts at once piles up behind them. The pictures are of the kinds a user drops: a
 * 28x28 grayscale PNG (the Fashion-MNIST passthrough), an RGB JPEG photo, an RGBA PNG with a transparent margin, a GIF and a BMP,
 * each a light garment-like shape on a dark ground or a dark one on a light ground, and a JPEG photo of one leaning 12 degrees,
 * which the preprocessor turns back upright ({@link Tilt}). Nothing leaves the process.
 */
public final class Warmup {

    /** What a warm-up did. */
    public record Report(int pictures, Duration took) {
    }

    private Warmup() {
    }

    /**
     * Preprocesses the drawn pictures in turn, {@code pictures} in all or until {@code budget} has passed, whichever comes first.
     *
     * @throws ImageRejectedException when the preprocessor refuses a drawn picture (its options refuse what users drop)
     */
    public static Report run(Preprocessor preprocessor, int pictures, Duration budget) throws ImageRejectedException {
        long start = System.nanoTime();
        long deadline = start + budget.toNanos();
        List<byte[]> drawn = pictures();
        int done = 0;
        while (done < pictures && System.nanoTime() < deadline) {
            preprocessor.preprocess(drawn.get(done % drawn.size()));
            done++;
        }
        return new Report(done, Duration.ofNanos(System.nanoTime() - start));
    }

    /** The drawn pictures, encoded. */
    static List<byte[]> pictures() {
        List<byte[]> all = new ArrayList<>();
        all.add(drawn(28, 28, BufferedImage.TYPE_BYTE_GRAY, Color.BLACK, new Color(220, 220, 220), "png"));
        all.add(drawn(56, 56, BufferedImage.TYPE_INT_RGB, new Color(250, 248, 240), new Color(40, 60, 120), "jpg"));
        all.add(drawn(100, 120, BufferedImage.TYPE_INT_ARGB, new Color(255, 255, 255, 0), new Color(30, 30, 30), "png"));
        all.add(drawn(64, 64, BufferedImage.TYPE_BYTE_INDEXED, Color.WHITE, new Color(120, 20, 20), "gif"));
        all.add(drawn(48, 40, BufferedImage.TYPE_3BYTE_BGR, new Color(10, 10, 10), new Color(200, 180, 90), "bmp"));
        all.add(PhotoForm.encode(garment(160, 160, BufferedImage.TYPE_INT_RGB, new Color(245, 245, 240), new Color(60, 40, 30), 12),
            "jpg"));
        return all;
    }

    private static byte[] drawn(int width, int height, int type, Color ground, Color garment, String format) {
        return PhotoForm.encode(garment(width, height, type, ground, garment, 0), format);
    }

    /** A T-shirt-like shape (body and sleeves) of one colour on a ground of another, leaning {@code degrees} clockwise. */
    private static BufferedImage garment(int width, int height, int type, Color ground, Color garment, double degrees) {
        BufferedImage image = new BufferedImage(width, height, type);
        Graphics2D g = image.createGraphics();
        try {
            g.setComposite(java.awt.AlphaComposite.Src);
            g.setColor(ground);
            g.fillRect(0, 0, width, height);
            g.rotate(Math.toRadians(degrees), width / 2.0, height / 2.0);
            g.setColor(garment);
            g.fillRect(width * 3 / 10, height / 6, width * 4 / 10, height * 7 / 10);
            g.fillRect(width / 8, height / 6, width * 3 / 4, height / 5);
        } finally {
            g.dispose();
        }
        return image;
    }
}
