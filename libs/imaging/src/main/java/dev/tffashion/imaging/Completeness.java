package dev.tffashion.imaging;

import com.twelvemonkeys.imageio.metadata.CompoundDirectory;
import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.tiff.TIFF;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Whether a file holds its whole picture, read from the container's structure without decoding a pixel: a PNG reaches its
 * IEND chunk, a JPEG its end-of-image marker, a GIF its trailer, a BMP or WebP file the size its header declares, a TIFF
 * file every strip or tile its first directory points at (the directory read by TwelveMonkeys' TIFF metadata reader).
 * Readers are otherwise inconsistent about data cut short (some return a half-grey picture without a word).
 */
final class Completeness {

    private static final int PNG_SIGNATURE = 8;
    private static final int GIF_SCREEN_DESCRIPTOR_END = 13;
    private static final int GIF_IMAGE_DESCRIPTOR = 10;

    private Completeness() {
    }

    /** Whether the file reaches the end its format requires. */
    static boolean complete(ImageFormat format, byte[] b) {
        return switch (format) {
            case PNG -> pngComplete(b);
            case JPEG -> jpegComplete(b);
            case GIF -> gifComplete(b);
            case BMP -> u32le(b, 2) <= b.length;
            case WEBP -> u32le(b, 4) + 8 <= b.length;
            case TIFF -> tiffComplete(b);
            default -> true;
        };
    }

    /** After a decoding error: does the file lack the last bytes its format requires? */
    static boolean endsEarly(ImageFormat format, byte[] b) {
        int n = b.length;
        return switch (format) {
            case JPEG -> n < 4 || (b[n - 2] & 0xFF) != 0xFF || (b[n - 1] & 0xFF) != 0xD9;
            case GIF -> b[n - 1] != 0x3B;
            default -> false;
        };
    }

    /** Chunk by chunk (length, type, data, CRC) to IEND. */
    private static boolean pngComplete(byte[] b) {
        long pos = PNG_SIGNATURE;
        while (pos + 8 <= b.length) {
            int at = (int) pos;
            long length = ((b[at] & 0xFFL) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
            boolean iend = b[at + 4] == 'I' && b[at + 5] == 'E' && b[at + 6] == 'N' && b[at + 7] == 'D';
            pos += 12 + length;
            if (iend && pos <= b.length) return true;
        }
        return false;
    }

    /**
     * Marker by marker to EOI (FF D9): segments are skipped by their length (an Exif thumbnail's own EOI is inside one), and in
     * entropy-coded data an FF is followed by 00 (a stuffed byte) or a restart marker, so the first FF D9 there is the end.
     */
    private static boolean jpegComplete(byte[] b) {
        int n = b.length;
        int pos = 2;
        while (pos < n) {
            if ((b[pos] & 0xFF) != 0xFF) {
                pos++;
                continue;
            }
            if (pos + 1 >= n) return false;
            int marker = b[pos + 1] & 0xFF;
            if (marker == 0xD9) return true;
            if (marker == 0xFF) {
                pos++;
            } else if (marker == 0x00 || marker == 0x01 || marker >= 0xD0 && marker <= 0xD8) {
                pos += 2;
            } else {
                if (pos + 4 > n) return false;
                pos += 2 + (((b[pos + 2] & 0xFF) << 8) | (b[pos + 3] & 0xFF));
            }
        }
        return false;
    }

    /** Block by block (extensions, images with their colour tables and data sub-blocks) to the trailer (3B). */
    private static boolean gifComplete(byte[] b) {
        int n = b.length;
        if (n < GIF_SCREEN_DESCRIPTOR_END) return false;
        long pos = GIF_SCREEN_DESCRIPTOR_END + colourTable(b[10]);
        while (pos < n) {
            int block = b[(int) pos] & 0xFF;
            if (block == 0x3B) return true;
            if (block == 0x21) {
                pos = subBlocks(b, pos + 2);
            } else if (block == 0x2C) {
                if (pos + GIF_IMAGE_DESCRIPTOR > n) return false;
                pos += GIF_IMAGE_DESCRIPTOR + colourTable(b[(int) pos + 9]) + 1;
                pos = subBlocks(b, pos);
            } else {
                return true;
            }
        }
        return false;
    }

    /** The first directory read (cut short: truncated), then every strip or tile it points at within the file. */
    private static boolean tiffComplete(byte[] b) {
        Directory ifd;
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(b))) {
            ifd = new TIFFReader().read(in);
        } catch (EOFException e) {
            return false;
        } catch (IOException | RuntimeException e) {
            return true;
        }
        if (ifd instanceof CompoundDirectory directories) ifd = directories.getDirectory(0);
        long end = Math.max(dataEnd(ifd, TIFF.TAG_STRIP_OFFSETS, TIFF.TAG_STRIP_BYTE_COUNTS),
            dataEnd(ifd, TIFF.TAG_TILE_OFFSETS, TIFF.TAG_TILE_BYTE_COUNTS));
        return end <= b.length;
    }

    /** The largest offset + byte count of a TIFF's strips or tiles (0 when the directory has none of them). */
    private static long dataEnd(Directory ifd, int offsetsTag, int countsTag) {
        long[] offsets = longs(ifd.getEntryById(offsetsTag));
        long[] counts = longs(ifd.getEntryById(countsTag));
        long end = 0;
        for (int i = 0; i < Math.min(offsets.length, counts.length); i++) end = Math.max(end, offsets[i] + counts[i]);
        return end;
    }

    private static long[] longs(Entry entry) {
        Object value = entry == null ? null : entry.getValue();
        if (value instanceof Number n) return new long[] {n.longValue()};
        if (value instanceof long[] l) return l;
        long[] out;
        if (value instanceof int[] ints) {
            out = new long[ints.length];
            for (int i = 0; i < ints.length; i++) out[i] = ints[i] & 0xFFFFFFFFL;
        } else if (value instanceof short[] shorts) {
            out = new long[shorts.length];
            for (int i = 0; i < shorts.length; i++) out[i] = shorts[i] & 0xFFFF;
        } else {
            out = new long[0];
        }
        return out;
    }

    private static int colourTable(byte flags) {
        return (flags & 0x80) == 0 ? 0 : 3 << ((flags & 0x07) + 1);
    }

    /** The position after a chain of data sub-blocks (length byte, data) ending with a 0 length, or past the end. */
    private static long subBlocks(byte[] b, long pos) {
        while (pos < b.length) {
            int length = b[(int) pos] & 0xFF;
            pos += 1 + length;
            if (length == 0) return pos;
        }
        return Long.MAX_VALUE;
    }

    private static long u32le(byte[] b, int at) {
        if (at + 4 > b.length) return 0;
        return (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
    }
}
