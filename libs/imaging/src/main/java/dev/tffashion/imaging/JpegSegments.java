package dev.tffashion.imaging;

/**
 * The segments of a JPEG before its scan, marker by marker (each skipped by its length): the one walk that
 * {@link ExifOrientation} and {@link CmykJpeg} read their segments with. ({@link Completeness} walks on through the scan to
 * the end of the image, which this does not.)
 */
final class JpegSegments {

    /** Which segment is wanted: its marker, where it starts (its FF) and its length (after the marker, itself included). */
    @FunctionalInterface
    interface Wanted {
        boolean test(int marker, int pos, int length);
    }

    private JpegSegments() {
    }

    /** Where the first wanted segment before the scan starts (its FF), or -1. */
    static int find(byte[] jpeg, Wanted wanted) {
        int pos = 2;
        while (pos + 4 <= jpeg.length && (jpeg[pos] & 0xFF) == 0xFF) {
            int marker = jpeg[pos + 1] & 0xFF;
            if (marker == 0xDA || marker == 0xD9) break;
            int length = length(jpeg, pos);
            if (length < 2) break;
            if (wanted.test(marker, pos, length)) return pos;
            pos += 2 + length;
        }
        return -1;
    }

    /** The length of the segment starting at {@code pos} (big-endian, after the marker). */
    static int length(byte[] jpeg, int pos) {
        return ((jpeg[pos + 2] & 0xFF) << 8) | (jpeg[pos + 3] & 0xFF);
    }
}
