package dev.tffashion.imaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes a PNG of each preprocessing step of one photo into {@code target/preprocessing-steps/}, for docs/preprocessing.md
 * (never committed). Skipped unless {@code -Dimaging.steps=true}; the photo is {@code -Dimaging.steps.photo=<file>}, by default
 * samples/images/07-sneaker-photo.jpg. The steps are the {@link Preprocessor}'s own, and the last picture is checked to be
 * the preview it makes.
 */
@EnabledIfSystemProperty(named = "imaging.steps", matches = "true")
class PreprocessingStepsGenerator {

    private static final Path OUT = Path.of("target", "preprocessing-steps");
    private static final int ZOOM = 8;

    @Test
    void writeEachStep() throws Exception {
        Path photo = Path.of(System.getProperty("imaging.steps.photo", SampleImages.DIR.resolve("07-sneaker-photo.jpg").toString()));
        byte[] bytes = Files.readAllBytes(photo);
        Files.createDirectories(OUT);
        PreprocessorOptions options = PreprocessorOptions.defaults();

        DecodedImage decoded = new ImageDecoder(options).decode(bytes);
        write("1-decoded", decoded.image());
        GrayImage gray = GrayImage.upright(decoded);
        write("2-gray", levels(gray.values(), gray.width(), gray.height()));
        Background background = Background.of(gray);
        ModelInput input = new Preprocessor(options).preprocess(bytes);
        if (gray.passesThrough()) {
            write("6-canvas", zoom(levels(scaled(input.pixels()), ModelInput.SIDE, ModelInput.SIDE)));
        } else {
            GarmentFit fit = GarmentFit.of(gray, background, options, new float[gray.values().length]);
            write("3-ink", levels(fit.ink(), gray.width(), gray.height()));
            write("4-crop", withBox(levels(fit.ink(), gray.width(), gray.height()), fit.crop()));
            write("5-scaled", zoom(levels(fit.scaled(), fit.scaledWidth(), fit.scaledHeight())));
            write("6-canvas", zoom(levels(scaled(fit.canvas()), ModelInput.SIDE, ModelInput.SIDE)));
            assertArrayEquals(input.pixels(), fit.canvas(), 0f, "the pictured steps are the preprocessor's");
        }
        Files.write(OUT.resolve("7-preview.png"), input.previewPng());
        System.out.printf("%s: background %.0f (%s), notes %s; pictures in %s%n", photo, background.level(),
            background.light() ? "light, inverted" : "dark, kept", input.notes(), OUT.toAbsolutePath());
        assertTrue(Files.size(OUT.resolve("7-preview.png")) > 0);
    }

    private static float[] scaled(float[] unit) {
        float[] out = new float[unit.length];
        for (int i = 0; i < unit.length; i++) out[i] = unit[i] * 255f;
        return out;
    }

    private static BufferedImage levels(float[] values, int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.getRaster().setSample(x, y, 0, Math.max(0, Math.min(255, Math.round(values[y * width + x]))));
            }
        }
        return image;
    }

    private static BufferedImage withBox(BufferedImage gray, GarmentFit.Box box) {
        BufferedImage image = new BufferedImage(gray.getWidth(), gray.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.drawImage(gray, 0, 0, null);
        g.setColor(Color.RED);
        g.drawRect(box.x(), box.y(), box.width() - 1, box.height() - 1);
        g.dispose();
        return image;
    }

    private static BufferedImage zoom(BufferedImage small) {
        BufferedImage image = new BufferedImage(small.getWidth() * ZOOM, small.getHeight() * ZOOM, small.getType());
        Graphics2D g = image.createGraphics();
        g.drawImage(small, 0, 0, image.getWidth(), image.getHeight(), null);
        g.dispose();
        return image;
    }

    private static void write(String name, BufferedImage image) throws IOException {
        ImageIO.write(image, "png", OUT.resolve(name + ".png").toFile());
    }
}
