package dev.tffashion.imaging;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** The preview of what the model sees: a 28x28 8-bit gray PNG of {@code round(pixel * 255)}, made when someone asks for it. */
final class PreviewPng {

    private static final int TYPICAL_SIZE = 1024;

    private PreviewPng() {
    }

    /** The PNG of 28x28 values in [0,1], row-major. */
    static byte[] of(float[] pixels) {
        int side = ModelInput.SIDE;
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = image.getRaster();
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                raster.setSample(x, y, 0, Math.round(pixels[y * side + x] * 255f));
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(TYPICAL_SIZE);
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(new IIOImage(image, null, null));
        } catch (IOException e) {
            throw new UncheckedIOException("writing a PNG to memory", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
