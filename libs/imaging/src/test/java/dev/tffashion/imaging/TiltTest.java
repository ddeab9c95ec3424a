package dev.tffashion.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class TiltTest {

    /** Ink of a solid bar {@code bw x bh} turned {@code degrees} clockwise about the centre of a {@code side x side} picture. */
    private static float[] bar(int side, int bw, int bh, double degrees) {
        double radians = Math.toRadians(degrees);
        double cos = Math.cos(radians);
        double sin = Math.sin(radians);
        float[] ink = new float[side * side];
        double c = side / 2.0;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                // four samples per pixel, for soft edges
                int inside = 0;
                for (int s = 0; s < 4; s++) {
                    double px = x + 0.25 + 0.5 * (s % 2) - c;
                    double py = y + 0.25 + 0.5 * (s / 2) - c;
                    double u = cos * px + sin * py;
                    double v = -sin * px + cos * py;
                    if (Math.abs(u) <= bw / 2.0 && Math.abs(v) <= bh / 2.0) inside++;
                }
                ink[y * side + x] = 200f * inside / 4;
            }
        }
        return ink;
    }

    private static GarmentFit.Box whole(int side) {
        return new GarmentFit.Box(0, 0, side, side);
    }

    @Test
    void readsTheTurnOfStraightEdgesEitherWay() {
        for (double degrees : new double[] {-30, -12, -4, 0, 7, 19, 33}) {
            Tilt tilt = Tilt.of(bar(200, 60, 140, degrees), 200, 200, whole(200));
            assertEquals(degrees, tilt.degrees(), 1.0, "a bar turned " + degrees + " degrees");
            assertTrue(tilt.concentration() > 0.5, "straight edges agree: " + tilt.concentration());
        }
    }

    @Test
    void aShapeWithoutStraightEdgesGivesNoDirection() {
        int side = 200;
        float[] disc = new float[side * side];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double dx = x + 0.5 - side / 2.0;
                double dy = y + 0.5 - side / 2.0;
                disc[y * side + x] = Math.hypot(dx, dy) <= 70 ? 200f : 0f;
            }
        }
        Tilt tilt = Tilt.of(disc, side, side, whole(side));
        assertTrue(tilt.concentration() < Tilt.MIN_CONCENTRATION, "a disc: " + tilt);
        assertFalse(tilt.worthTurning(whole(side)));
    }

    @Test
    void turnsOnlyBetweenItsBoundsAndOnlyGarmentsLargeEnoughToReadAnAngleFrom() {
        GarmentFit.Box large = new GarmentFit.Box(10, 10, 200, 120);
        assertFalse(new Tilt(2.9, 0.8).worthTurning(large), "within the estimate's own spread");
        assertTrue(new Tilt(-3.0, 0.8).worthTurning(large));
        assertTrue(new Tilt(35.0, 0.8).worthTurning(large));
        assertFalse(new Tilt(-36.0, 0.8).worthTurning(large), "could as well be lying on its side");
        assertFalse(new Tilt(12, 0.05).worthTurning(large), "edges that do not agree");
        assertFalse(new Tilt(12, 0.8).worthTurning(new GarmentFit.Box(0, 0, 55, 40)), "a small drawing");
    }

    @Test
    void turnedBackTheBarStandsUprightAtItsOwnSize() {
        int side = 240;
        float[] ink = bar(side, 60, 140, 15);
        Tilt tilt = Tilt.of(ink, side, side, whole(side));
        Tilt.Turned turned = tilt.turnBack(ink, side, whole(side));
        int x0 = Integer.MAX_VALUE;
        int y0 = Integer.MAX_VALUE;
        int x1 = -1;
        int y1 = -1;
        for (int y = 0; y < turned.height(); y++) {
            for (int x = 0; x < turned.width(); x++) {
                if (turned.values()[y * turned.width() + x] > 100f) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        assertEquals(60, x1 - x0 + 1, 3, "width of the bar turned back");
        assertEquals(140, y1 - y0 + 1, 3, "height of the bar turned back");
    }

    @Test
    void thePreprocessorNotesTheTurnAndCanBeToldNotToTurn() throws Exception {
        int side = 240;
        float[] ink = bar(side, 60, 140, -12);
        byte[] png = png(ink, side);
        ModelInput straightened = new Preprocessor().preprocess(png);
        assertEquals(-12, Double.parseDouble(straightened.notes().get(ModelInput.Notes.STRAIGHTENED)), 1.0);
        ModelInput kept = new Preprocessor(PreprocessorOptions.defaults().withStraighten(false)).preprocess(png);
        assertFalse(kept.notes().containsKey(ModelInput.Notes.STRAIGHTENED));
    }

    /** The bar's ink as a dark bar on a light gray PNG. */
    private static byte[] png(float[] ink, int side) {
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                image.getRaster().setSample(x, y, 0, Math.round(245 - ink[y * side + x]));
            }
        }
        return ShopPhotos.encode(image, ShopPhotos.Kind.PNG_RGB);
    }
}
