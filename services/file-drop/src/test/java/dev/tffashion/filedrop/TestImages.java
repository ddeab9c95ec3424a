package dev.tffashion.filedrop;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

import javax.imageio.ImageIO;

/** Pictures for the drop tests, good and bad, made in memory. */
public final class TestImages {

    private TestImages() {
    }

    /** A small dark-on-white garment-like picture in the given ImageIO format. */
    public static byte[] garment(String format, int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(new Color(40, 40, 90));
        g.fillRect(width / 4, height / 5, width / 2, height * 3 / 5);
        g.dispose();
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A valid PNG header announcing a huge picture, without the pixels: a decompression bomb's first bytes. */
    public static byte[] pngHeaderOnly(int width, int height) {
        ByteBuffer buffer = ByteBuffer.allocate(8 + 25 + 12);
        buffer.put(new byte[] { (byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a });
        ByteBuffer ihdr = ByteBuffer.allocate(17);
        ihdr.put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(buffer, ihdr.array());
        chunk(buffer, "IEND".getBytes(StandardCharsets.US_ASCII));
        return buffer.array();
    }

    private static void chunk(ByteBuffer buffer, byte[] typeAndData) {
        buffer.putInt(typeAndData.length - 4).put(typeAndData);
        CRC32 crc = new CRC32();
        crc.update(typeAndData);
        buffer.putInt((int) crc.getValue());
    }

    public static final String SVG = "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"28\" height=\"28\">"
            + "<rect width=\"28\" height=\"28\"/></svg>";
}
