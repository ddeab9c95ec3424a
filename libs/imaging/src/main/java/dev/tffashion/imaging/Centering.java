package dev.tffashion.imaging;

/** How a cropped and scaled garment is placed on the 28x28 canvas. */
public enum Centering {
    /** The garment's bounding box in the middle (odd margins put the extra pixel before), as Fashion-MNIST was made. */
    BOUNDING_BOX("boundingBox"),
    /** The garment's centre of mass in the middle of the canvas, as MNIST digits were placed. */
    CENTER_OF_MASS("centerOfMass");

    private final String noteName;

    Centering(String noteName) {
        this.noteName = noteName;
    }

    /** The value of the {@code centering} note. */
    public String noteName() {
        return noteName;
    }
}
