package dev.tffashion.imaging;

/**
 * The background of a gray picture, from the median of its border: light (at least 128 of 255) means a dark garment on a
 * light background, which is inverted, since the model knows light garments on dark (Fashion-MNIST's border medians are all
 * at most 91).
 *
 * @param level the border median, 0..255, before inversion
 * @param light whether the picture is inverted
 */
record Background(float level, boolean light) {

    /** Background brighter than this (0..255) counts as light: the picture is dark on light and gets inverted. */
    static final float LIGHT_BACKGROUND = 128f;

    static Background of(GrayImage gray) {
        float level = gray.borderMedian();
        return new Background(level, level >= LIGHT_BACKGROUND);
    }

    /** How far a gray level stands out from the background, towards the garment (0 for background, never negative). */
    float ink(float value) {
        return Math.max(0f, light ? level - value : value - level);
    }
}
