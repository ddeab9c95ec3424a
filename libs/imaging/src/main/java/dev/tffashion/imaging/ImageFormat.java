package dev.tffashion.imaging;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The picture formats the pipeline knows, recognised from their first bytes (never from a file name or content type): the one
 * sniffer of the door (file-drop) and of image-convert. The {@link #decodable()} ones are accepted on both sides.
 */
public enum ImageFormat {
    PNG("PNG", "image/png", true),
    JPEG("JPEG", "image/jpeg", true),
    GIF("GIF", "image/gif", true),
    BMP("BMP", "image/bmp", true),
    WEBP("WebP", "image/webp", true),
    TIFF("TIFF", "image/tiff", true),
    SVG("SVG", "image/svg+xml", false),
    HEIF("HEIF/HEIC", "image/heif", false),
    AVIF("AVIF", "image/avif", false),
    JPEG_2000("JPEG 2000", "image/jp2", false),
    JPEG_XL("JPEG XL", "image/jxl", false),
    ICO("ICO", "image/vnd.microsoft.icon", false),
    PSD("Photoshop PSD", "image/vnd.adobe.photoshop", false),
    PDF("PDF", "application/pdf", false),
    NETPBM("Netpbm (PBM, PGM, PPM, PAM or PFM)", "image/x-portable-anymap", false),
    QOI("QOI", "image/qoi", false),
    OPENEXR("OpenEXR", "image/x-exr", false),
    RADIANCE_HDR("Radiance HDR", "image/vnd.radiance", false);

    /** The formats that are decoded, for messages and hints. */
    public static final String SUPPORTED = "PNG, JPEG, GIF, BMP, WebP or TIFF";

    private static final int SVG_SNIFF_CHARS = 4096;

    private final String displayName;
    private final String mediaType;
    private final boolean decodable;

    ImageFormat(String displayName, String mediaType, boolean decodable) {
        this.displayName = displayName;
        this.mediaType = mediaType;
        this.decodable = decodable;
    }

    /** A name for people, e.g. "JPEG". */
    public String displayName() {
        return displayName;
    }

    /** The IANA media type of the format. */
    public String mediaType() {
        return mediaType;
    }

    /** Whether the pipeline decodes this format (accepted at the door and converted behind it). */
    public boolean decodable() {
        return decodable;
    }

    /**
     * Recognises the format from the leading bytes.
     *
     * @return the format, or {@code null} when the bytes match no known picture format
     */
    public static ImageFormat sniff(byte[] b) {
        if (startsWith(b, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) return PNG;
        if (startsWith(b, 0, 0xFF, 0xD8, 0xFF)) return JPEG;
        if (startsWith(b, 0, 'G', 'I', 'F', '8', '7', 'a') || startsWith(b, 0, 'G', 'I', 'F', '8', '9', 'a')) return GIF;
        if (startsWith(b, 0, 'R', 'I', 'F', 'F') && startsWith(b, 8, 'W', 'E', 'B', 'P')) return WEBP;
        if (startsWith(b, 0, 'I', 'I', 42, 0) || startsWith(b, 0, 'M', 'M', 0, 42)
            || startsWith(b, 0, 'I', 'I', 43, 0) || startsWith(b, 0, 'M', 'M', 0, 43)) {
            return TIFF;
        }
        if (startsWith(b, 0, 'B', 'M') && b.length >= 26) return BMP;
        if (startsWith(b, 4, 'f', 't', 'y', 'p')) {
            String brand = new String(b, 8, Math.min(4, b.length - 8), StandardCharsets.US_ASCII);
            return brand.startsWith("avi") ? AVIF : HEIF;
        }
        if (startsWith(b, 0, 0, 0, 0, 0x0C, 'j', 'P', ' ', ' ') || startsWith(b, 0, 0xFF, 0x4F, 0xFF, 0x51)) return JPEG_2000;
        if (startsWith(b, 0, 0xFF, 0x0A) || startsWith(b, 0, 0, 0, 0, 0x0C, 'J', 'X', 'L', ' ')) return JPEG_XL;
        if (startsWith(b, 0, 0, 0, 1, 0) && b.length > 4 && b[4] != 0) return ICO;
        if (startsWith(b, 0, '8', 'B', 'P', 'S')) return PSD;
        if (startsWith(b, 0, '%', 'P', 'D', 'F')) return PDF;
        if (isNetpbm(b)) return NETPBM;
        if (startsWith(b, 0, 'q', 'o', 'i', 'f')) return QOI;
        if (startsWith(b, 0, 0x76, 0x2F, 0x31, 0x01)) return OPENEXR;
        if (startsWith(b, 0, '#', '?', 'R', 'A', 'D', 'I', 'A', 'N', 'C', 'E') || startsWith(b, 0, '#', '?', 'R', 'G', 'B', 'E')) {
            return RADIANCE_HDR;
        }
        if (looksLikeSvg(b)) return SVG;
        return null;
    }

    /** P1 to P7 (bitmap, graymap, pixmap, in text or binary; PAM), PF or Pf (float maps), then white space. */
    private static boolean isNetpbm(byte[] b) {
        if (b.length < 3 || b[0] != 'P') return false;
        boolean kind = (b[1] >= '1' && b[1] <= '7') || b[1] == 'F' || b[1] == 'f';
        return kind && (b[2] == ' ' || b[2] == '\t' || b[2] == '\n' || b[2] == '\r');
    }

    private static boolean looksLikeSvg(byte[] b) {
        int n = Math.min(b.length, SVG_SNIFF_CHARS);
        String head = new String(b, 0, n, StandardCharsets.UTF_8).stripLeading().toLowerCase(Locale.ROOT);
        if (head.startsWith("\ufeff")) head = head.substring(1).stripLeading();
        return head.startsWith("<") && head.contains("<svg");
    }

    private static boolean startsWith(byte[] b, int offset, int... expected) {
        if (b.length < offset + expected.length) return false;
        for (int i = 0; i < expected.length; i++) {
            if ((b[offset + i] & 0xFF) != expected[i]) return false;
        }
        return true;
    }
}
