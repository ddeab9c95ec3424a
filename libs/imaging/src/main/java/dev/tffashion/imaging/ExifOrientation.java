package dev.tffashion.imaging;

/** Reads the EXIF orientation tag (0x0112) of a JPEG, so that phone photos are turned upright before cropping. */
final class ExifOrientation {

    private static final int TAG_ORIENTATION = 0x0112;

    private ExifOrientation() {
    }

    /** The orientation 1..8 from the JPEG's APP1 Exif segment, or 1 (upright) when there is none or it cannot be read. */
    static int of(byte[] jpeg) {
        // APP1: "Exif", 0, padding, then a TIFF header and its first directory
        int app1 = JpegSegments.find(jpeg, (marker, pos, length) -> marker == 0xE1 && pos + 18 <= jpeg.length
            && jpeg[pos + 4] == 'E' && jpeg[pos + 5] == 'x' && jpeg[pos + 6] == 'i' && jpeg[pos + 7] == 'f' && jpeg[pos + 8] == 0);
        return app1 < 0 ? 1 : fromTiff(jpeg, app1 + 10, Math.min(jpeg.length, app1 + 2 + JpegSegments.length(jpeg, app1)));
    }

    private static int fromTiff(byte[] b, int tiff, int end) {
        boolean bigEndian;
        if (b[tiff] == 'M' && b[tiff + 1] == 'M') {
            bigEndian = true;
        } else if (b[tiff] == 'I' && b[tiff + 1] == 'I') {
            bigEndian = false;
        } else {
            return 1;
        }
        long ifd = tiff + u32(b, tiff + 4, bigEndian);
        if (ifd + 2 > end) return 1;
        int entries = u16(b, (int) ifd, bigEndian);
        for (int i = 0; i < entries; i++) {
            int entry = (int) ifd + 2 + i * 12;
            if (entry + 12 > end) return 1;
            if (u16(b, entry, bigEndian) == TAG_ORIENTATION) {
                int value = u16(b, entry + 8, bigEndian);
                return value >= 1 && value <= 8 ? value : 1;
            }
        }
        return 1;
    }

    private static int u16(byte[] b, int at, boolean bigEndian) {
        int hi = b[bigEndian ? at : at + 1] & 0xFF;
        int lo = b[bigEndian ? at + 1 : at] & 0xFF;
        return (hi << 8) | lo;
    }

    private static long u32(byte[] b, int at, boolean bigEndian) {
        long hi = u16(b, bigEndian ? at : at + 2, bigEndian);
        long lo = u16(b, bigEndian ? at + 2 : at, bigEndian);
        return (hi << 16) | lo;
    }
}
