package dev.tffashion.imaging;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The ten sample pictures in {@code samples/images}: the first Fashion-MNIST test image of each class, some as the
 * original 28x28 PNG, the others as shop photos ({@link ShopPhotos}) in several formats.
 */
final class SampleImages {

    /** samples/images, from the module folder that Maven runs tests in. */
    static final Path DIR = Path.of(System.getProperty("samples.dir", "../../samples/images"));

    /**
     * One sample.
     *
     * @param label Fashion-MNIST class
     * @param file  file name in samples/images
     * @param kind  the shop photo's encoding, or {@code null} for the original 28x28 grayscale PNG
     * @param seed  seed of the photo's size, placement and colour
     */
    record Sample(int label, String file, ShopPhotos.Kind kind, long seed) {

        boolean original() {
            return kind == null;
        }
    }

    static final List<Sample> ALL = List.of(
        new Sample(0, "00-tshirt-top.png", null, 0),
        new Sample(1, "01-trouser-photo.jpg", ShopPhotos.Kind.JPEG, 101),
        new Sample(2, "02-pullover-photo-transparent.png", ShopPhotos.Kind.PNG_RGBA, 102),
        new Sample(3, "03-dress.png", null, 0),
        new Sample(4, "04-coat-photo.gif", ShopPhotos.Kind.GIF, 104),
        new Sample(5, "05-sandal-photo.bmp", ShopPhotos.Kind.BMP_RLE8, 105),
        new Sample(6, "06-shirt.png", null, 0),
        new Sample(7, "07-sneaker-photo.jpg", ShopPhotos.Kind.JPEG, 107),
        new Sample(8, "08-bag-photo.png", ShopPhotos.Kind.PNG_RGB, 108),
        new Sample(9, "09-ankle-boot-photo.gif", ShopPhotos.Kind.GIF, 109));

    /** Largest garment side in the samples' photos, to keep the files small. */
    static final int MAX_GARMENT_SIDE = 200;

    private SampleImages() {
    }

    /** A sample as the generator makes it. */
    static ShopPhotos.Photo make(Sample sample) {
        FashionMnistFiles.Images test = FashionMnistFiles.test();
        byte[] garment = test.image(test.firstOf(sample.label()));
        if (sample.original()) return new ShopPhotos.Photo(ShopPhotos.grayPng(garment), null, 28, 28, "original 28x28 grayscale PNG");
        return ShopPhotos.make(garment, sample.kind(), new Random(sample.seed()), MAX_GARMENT_SIDE);
    }
}
