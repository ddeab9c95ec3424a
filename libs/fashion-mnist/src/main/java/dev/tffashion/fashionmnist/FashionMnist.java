package dev.tffashion.fashionmnist;

import java.io.IOException;
import java.util.List;

/** The Fashion-MNIST dataset (60000 training and 10000 test images of 28x28 garments in 10 classes), loaded from IDX files. */
public final class FashionMnist {

    /** Width and height of an image. */
    public static final int IMAGE_SIZE = 28;
    /** Pixels per image. */
    public static final int PIXELS = IMAGE_SIZE * IMAGE_SIZE;
    /** Number of classes. */
    public static final int CLASSES = 10;
    /** Class names, indexed by label. */
    public static final List<String> CLASS_NAMES = List.of(
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private final Split train;
    private final Split test;
    private final DatasetFiles files;

    public FashionMnist(Split train, Split test, DatasetFiles files) {
        this.train = train;
        this.test = test;
        this.files = files;
    }

    /** Finds the dataset with {@code locator} (checking MD5s) and loads it. */
    public static FashionMnist load(DatasetLocator locator) throws IOException {
        return load(locator.locate());
    }

    /** Loads the dataset from already located (and verified) files. */
    public static FashionMnist load(DatasetFiles files) throws IOException {
        Split train = split("train", files, DatasetFile.TRAIN_IMAGES, DatasetFile.TRAIN_LABELS);
        Split test = split("test", files, DatasetFile.TEST_IMAGES, DatasetFile.TEST_LABELS);
        return new FashionMnist(train, test, files);
    }

    /** The name of a class, e.g. {@code className(9)} is "Ankle boot". */
    public static String className(int label) {
        if (label < 0 || label >= CLASSES) {
            throw new IllegalArgumentException("Fashion-MNIST labels are 0..9, not " + label);
        }
        return CLASS_NAMES.get(label);
    }

    private static Split split(String name, DatasetFiles files, DatasetFile imagesFile, DatasetFile labelsFile) throws IOException {
        IdxImages images = IdxReader.readImages(files.path(imagesFile));
        IdxLabels labels = IdxReader.readLabels(files.path(labelsFile));
        if (images.rows() != IMAGE_SIZE || images.columns() != IMAGE_SIZE) {
            throw new IdxFormatException("%s holds %dx%d images; Fashion-MNIST images are 28x28"
                .formatted(files.path(imagesFile), images.rows(), images.columns()));
        }
        if (images.count() != labels.count()) {
            throw new IdxFormatException("%s holds %d images but %s holds %d labels"
                .formatted(files.path(imagesFile), images.count(), files.path(labelsFile), labels.count()));
        }
        try {
            return new Split(name, images.pixels(), labels.labels());
        } catch (IllegalArgumentException e) {
            throw new IdxFormatException(files.path(labelsFile) + ": " + e.getMessage());
        }
    }

    /** The 60000 training examples. */
    public Split train() {
        return train;
    }

    /** The 10000 test examples. */
    public Split test() {
        return test;
    }

    /** Where the data came from, with the MD5 of each file. */
    public DatasetFiles files() {
        return files;
    }
}
